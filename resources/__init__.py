"""Icons, desktop files and metadata, importable as `app.resources` (see pyproject)."""
