"""``python -m fleet``: the command line (what ``scripts/fleet`` runs)."""

import sys

from fleet.cli import main

sys.exit(main())
