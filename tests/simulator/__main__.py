"""``python -m tests.simulator``: serve the simulator alone (see docs/offline-stack.md)."""

import sys

from tests.simulator.cli import main

sys.exit(main())
