"""The download engine: probe, plan, transfer, checkpoint, finish. Never imports Qt."""
