"""python3 -m attnmf.plot COMMAND ... : the attnmf-plot command."""

import sys

from .cli import main

sys.exit(main())
