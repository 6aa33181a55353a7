"""`python -m api_server`: the bundled servers on their own, without m2m-tui installed."""

import sys

from api_server.cli import main

sys.exit(main())
