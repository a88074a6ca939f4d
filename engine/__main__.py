"""``python -m relaydoctor.engine`` is the ``relaydoctor`` command."""

import sys

from .cli import main

sys.exit(main())
