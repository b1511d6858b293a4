"""A throwaway WordPress site for tests and benchmarks, from Debian's packages (``wordpress``,
``php-cli``, ``php-mysql``, ``mariadb-server``): a MariaDB data folder in FOLDER reached by
its socket only, a copy of the WordPress tree served by PHP's built-in server on 127.0.0.1 and
a free port, WordPress installed with one administrator and an application password
(``WP_ENVIRONMENT_TYPE`` is ``local``, so application passwords work over plain HTTP).

    python bench/throwaway_wordpress.py start FOLDER   prints {"url", "user", "password"}
    python bench/throwaway_wordpress.py stop FOLDER    stops it and removes FOLDER

Imported, :func:`start` returns a :class:`Site` to stop.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

WORDPRESS = Path("/usr/share/wordpress")
SITE_FILE = "site.json"
USER = "editor"
# How long the database and the web server may take to answer, each.
READY_SECONDS = 30.0


class NoSiteError(RuntimeError):
    """No site could be started here; the message says why."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str], *, stdin: str | None = None) -> str:
    done = subprocess.run(  # noqa: S603 - the packages' own tools
        command, check=False, capture_output=True, text=True, input=stdin
    )
    if done.returncode != 0:
        raise NoSiteError(done.stderr.strip() or done.stdout.strip() or f"{command[0]} failed")
    return done.stdout


def _wait(ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    raise NoSiteError(f"{what} did not start within {READY_SECONDS:g} s")


@dataclass(frozen=True)
class Site:
    folder: Path
    url: str
    user: str
    password: str

    def stop(self) -> None:
        for name in ("php.pid", "db.pid"):
            pid_file = self.folder / name
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
        shutil.rmtree(self.folder, ignore_errors=True)

    def as_json(self) -> str:
        return json.dumps({"url": self.url, "user": self.user, "password": self.password})


def _missing() -> list[str]:
    tools = ("php", "mariadbd", "mariadb-install-db", "mariadb")
    missing = [tool for tool in tools if shutil.which(tool) is None and not _sbin(tool)]
    if not (WORDPRESS / "wp-load.php").exists():
        missing.append(str(WORDPRESS))
    return missing


def _sbin(tool: str) -> str | None:
    path = Path("/usr/sbin") / tool
    return str(path) if path.exists() else None


def _tool(tool: str) -> str:
    found = shutil.which(tool) or _sbin(tool)
    if found is None:
        raise NoSiteError(f"{tool} is not installed here")
    return found


def _start_database(folder: Path) -> Path:
    data, sock = folder / "db", folder / "db.sock"
    _run([_tool("mariadb-install-db"), f"--datadir={data}", "--user=root", "--skip-test-db"])
    log = (folder / "db.log").open("w")
    server = subprocess.Popen(  # noqa: S603
        [
            _tool("mariadbd"),
            "--no-defaults",
            f"--datadir={data}",
            f"--socket={sock}",
            f"--pid-file={folder / 'mariadbd.pid'}",
            "--skip-networking",
            "--user=root",
        ],
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    (folder / "db.pid").write_text(str(server.pid))
    _wait(sock.exists, "MariaDB")
    _run(
        [_tool("mariadb"), f"--socket={sock}", "-uroot"],
        stdin="CREATE DATABASE wordpress;"
        " CREATE USER 'wp'@'localhost' IDENTIFIED BY 'wp';"
        " GRANT ALL ON wordpress.* TO 'wp'@'localhost';",
    )
    return sock


def _config(sock: Path) -> str:
    salts = "".join(
        f"define('{key}', '{secrets.token_hex(32)}');\n"
        for key in (
            "AUTH_KEY",
            "SECURE_AUTH_KEY",
            "LOGGED_IN_KEY",
            "NONCE_KEY",
            "AUTH_SALT",
            "SECURE_AUTH_SALT",
            "LOGGED_IN_SALT",
            "NONCE_SALT",
        )
    )
    return (
        "<?php\n"
        "define('DB_NAME', 'wordpress');\ndefine('DB_USER', 'wp');\n"
        "define('DB_PASSWORD', 'wp');\n"
        f"define('DB_HOST', 'localhost:{sock}');\n"
        "define('DB_CHARSET', 'utf8mb4');\ndefine('DB_COLLATE', '');\n"
        "define('WP_ENVIRONMENT_TYPE', 'local');\ndefine('WP_DEBUG', false);\n"
        "define('AUTOMATIC_UPDATER_DISABLED', true);\ndefine('WP_HTTP_BLOCK_EXTERNAL', true);\n"
        f"{salts}"
        "$table_prefix = 'wp_';\n"
        "if (!defined('ABSPATH')) { define('ABSPATH', __DIR__ . '/'); }\n"
        "require_once ABSPATH . 'wp-settings.php';\n"
    )


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
            return True
    except OSError:
        return False


def start(folder: Path) -> Site:
    """Start a site whose files live in ``folder`` (created; removed by :meth:`Site.stop`).

    Raises ``NoSiteError`` saying why when the packages are absent or it will not start.
    """
    missing = _missing()
    if missing:
        raise NoSiteError(
            f"WordPress cannot run here: {', '.join(missing)} missing (Debian: wordpress,"
            " php-cli, php-mysql, mariadb-server)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    sock = _start_database(folder)
    site = folder / "site"
    # PHP's built-in server will not serve Debian's tree of links: a real copy, with its own
    # configuration.
    shutil.copytree(WORDPRESS, site, symlinks=False)
    (site / "wp-config.php").unlink(missing_ok=True)
    (site / "wp-config.php").write_text(_config(sock), encoding="utf-8")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (folder / "php.log").open("w")
    php = subprocess.Popen(  # noqa: S603
        [_tool("php"), "-S", f"127.0.0.1:{port}", "-t", str(site)],
        stdout=log,
        stderr=log,
        start_new_session=True,
        cwd=site,
    )
    (folder / "php.pid").write_text(str(php.pid))
    _wait(lambda: _answers(f"{url}/wp-login.php"), "PHP's server")
    password = secrets.token_urlsafe(16)
    form = urllib.parse.urlencode(
        {
            "weblog_title": "Throwaway",
            "user_name": USER,
            "admin_password": password,
            "admin_password2": password,
            "pw_weak": "1",
            "admin_email": "editor@example.invalid",
            "blog_public": "0",
        }
    ).encode()
    with urllib.request.urlopen(  # noqa: S310 - our own local server
        f"{url}/wp-admin/install.php?step=2", data=form, timeout=60
    ) as answer:
        answer.read()
    script = (
        f"define('WP_USE_THEMES', false); require '{site}/wp-load.php';"
        f" $user = get_user_by('login', '{USER}');"
        " [$password] = WP_Application_Passwords::create_new_application_password("
        "$user->ID, ['name' => 'moderator']); echo $password;"
    )
    application = _run([_tool("php"), "-r", script]).strip()
    if not application:
        raise NoSiteError("WordPress gave no application password")
    found = Site(folder, url, USER, application)
    (folder / SITE_FILE).write_text(found.as_json(), encoding="utf-8")
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in {"start", "stop"}:
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[2])
    if argv[1] == "stop":
        saved = folder / SITE_FILE
        known = json.loads(saved.read_text()) if saved.exists() else {}
        Site(folder, known.get("url", ""), "", "").stop()
        return 0
    try:
        site = start(folder)
    except NoSiteError as error:
        Site(folder, "", "", "").stop()
        print(f"throwaway_wordpress: {error}", file=sys.stderr)
        return 1
    print(site.as_json())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
