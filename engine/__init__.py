"""relaydoctor's engine: evidence → facts → inference → diagnosis. Never imports the TUI."""

__version__ = "0.1.0"
