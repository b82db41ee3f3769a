"""The service: one process per data folder owns the engine and serves it over JSON-RPC."""
