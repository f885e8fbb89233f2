"""``python -m htr_core``: see ``htr_core.cli``."""

import sys

from htr_core.cli import main

sys.exit(main())
