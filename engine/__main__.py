"""``python -m relaydoctor.engine`` is the ``relaydoctor`` command."""

import sys

try:
    from .cli import console
except KeyboardInterrupt:  # Ctrl+C while starting up
    sys.exit(130)

console()
