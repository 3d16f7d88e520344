"""``python -m demo``: the same as ``python -m demo.web`` (serve the demo government web)."""

import sys

from demo.web import main

sys.exit(main())
