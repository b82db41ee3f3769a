"""The download engine: probe, plan, transfer, checkpoint, finish. Never imports Qt."""

from app.engine.lazycharset import install as _defer_charset_detection

_defer_charset_detection()  # before any engine module imports requests (start-up time)
