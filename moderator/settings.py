"""User preferences the core keeps (the active rule set), in a small JSON file per user.

They live here rather than in QSettings so that the command line and the tests read them
without Qt; the window reads and writes them through the same functions.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

from moderator.resources import RESOURCES_DIR

ENV_CONFIG_DIR = "MODERATOR_CONFIG_DIR"
SETTINGS_FILE = "settings.json"
DEFAULT_RULE_SET = RESOURCES_DIR / "rules" / "default.toml"
_RULE_SET_KEY = "rule_set"
_PROFILE_KEY = "profile"
_DATABASE_KEY = "database"
_ANCHOR_KEY = "anchor_folder"


class SettingsError(ValueError):
    """The settings file cannot be read as settings; the message names the file."""


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$MODERATOR_CONFIG_DIR`` if set (tests, portable installs), else the user config folder."""
    environ = os.environ if environ is None else environ
    chosen = environ.get(ENV_CONFIG_DIR)
    if chosen:
        return Path(chosen).expanduser()
    return platformdirs.user_config_path("moderator", appauthor=False)


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


def active_rule_set_path() -> Path:
    """The rule set the user chose with :func:`use_rule_set`, else the default one."""
    chosen = _read().get(_RULE_SET_KEY)
    if chosen is None:
        return DEFAULT_RULE_SET
    if not isinstance(chosen, str) or not chosen:
        raise SettingsError(f"{settings_path()}: {_RULE_SET_KEY!r} must be a file path")
    return Path(chosen)


def use_rule_set(path: Path | None) -> Path:
    """Remember ``path`` as the active rule set (None: back to the default); the active path.

    The path is stored absolute, so the choice holds whichever folder a later command runs in.
    """
    settings = _read()
    if path is None:
        settings.pop(_RULE_SET_KEY, None)
    else:
        settings[_RULE_SET_KEY] = str(path.expanduser().resolve())
    _write(settings)
    return active_rule_set_path()


def profile_name() -> str | None:
    """The name this user chose for themselves at the desk (first start), if any."""
    chosen = _read().get(_PROFILE_KEY)
    if chosen is None:
        return None
    if not isinstance(chosen, str) or not chosen.strip():
        raise SettingsError(f"{settings_path()}: {_PROFILE_KEY!r} must be a name")
    return chosen.strip()


def remembered_profile_name() -> str | None:
    """:func:`profile_name`, or None if the settings file is broken: then the login name acts
    (and whatever reads the settings for itself says why)."""
    try:
        return profile_name()
    except SettingsError:
        return None


def use_profile_name(name: str) -> None:
    """Remember the name this user acts as, for the window and the command line."""
    settings = _read()
    settings[_PROFILE_KEY] = name.strip()
    _write(settings)


def chosen_database() -> str | None:
    """The database this user chose in the settings dialog (a path or a URL), if any."""
    chosen = _read().get(_DATABASE_KEY)
    if chosen is None:
        return None
    if not isinstance(chosen, str) or not chosen.strip():
        raise SettingsError(f"{settings_path()}: {_DATABASE_KEY!r} must be a path or a URL")
    return chosen.strip()


def use_database(location: str | None) -> None:
    """Open ``location`` (a SQLite file's path or a database URL) from the next start on;
    None goes back to the default file."""
    settings = _read()
    if location is None or not location.strip():
        settings.pop(_DATABASE_KEY, None)
    else:
        settings[_DATABASE_KEY] = location.strip()
    _write(settings)


def anchor_folder() -> Path | None:
    """Where the window keeps a copy of the log's head each time it closes (for
    `moderator log verify --anchor`), if the user chose a folder: best on another disk or
    machine than the database, where whoever can write the database cannot."""
    chosen = _read().get(_ANCHOR_KEY)
    if chosen is None:
        return None
    if not isinstance(chosen, str) or not chosen.strip():
        raise SettingsError(f"{settings_path()}: {_ANCHOR_KEY!r} must be a folder")
    return Path(chosen.strip()).expanduser()


def use_anchor_folder(folder: Path | None) -> None:
    """Keep the log's head in ``folder`` whenever the window closes; None stops it."""
    settings = _read()
    if folder is None:
        settings.pop(_ANCHOR_KEY, None)
    else:
        settings[_ANCHOR_KEY] = str(folder.expanduser().resolve())
    _write(settings)


def _read() -> dict[str, Any]:
    path = settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise SettingsError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        settings = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: not a settings file: {error}") from None
    if not isinstance(settings, dict):
        raise SettingsError(f"{path}: not a settings file: expected a JSON object")
    return settings


def _write(settings: Mapping[str, Any]) -> None:
    path = settings_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a crash mid-write never leaves a half settings file.
        # Keys this version does not know are kept, so an older Moderator drops nothing.
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=".settings-", delete=False
        ) as temporary:
            json.dump(settings, temporary, ensure_ascii=False, indent=2, sort_keys=True)
            temporary.write("\n")
        Path(temporary.name).replace(path)
    except OSError as error:
        raise SettingsError(f"{path}: cannot write: {error.strerror or error}") from None
