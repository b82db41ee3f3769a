"""Dialogs of the main window: add URLs, properties of a download, settings."""
