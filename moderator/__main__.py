"""``python -m moderator``: the command line without the window (the core never loads Qt)."""

import sys

from moderator.cli import main

sys.exit(main())
