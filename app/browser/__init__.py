"""Browser integration: the native messaging host, its manifests, and the extension's ids."""
