"""Screens of the relaydoctor TUI: one per step of the walk, plus dialogs."""
