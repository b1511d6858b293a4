"""The ``moderator`` console script: the core command line, with the window plugged in."""

from __future__ import annotations

import sys


def run_window(database: str | None) -> int:
    # Qt loads only when the window is asked for, so CLI commands start quickly.
    from ui.app import run_gui  # noqa: PLC0415

    return run_gui(database)


def main() -> int:
    from moderator import load_command_line  # noqa: PLC0415

    return load_command_line()(gui=run_window)


if __name__ == "__main__":
    sys.exit(main())
