"""Tests of the command line (moderator/cli/), one module per command group."""
