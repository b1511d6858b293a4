"""``python -m moderator``: the command line without the window (the core never loads Qt)."""

import sys

from moderator import load_command_line

sys.exit(load_command_line()())
