"""Widgets of the relaydoctor TUI (each in its own module)."""
