"""A throwaway PostgreSQL server for tests and benchmarks: Debian's postgresql, ``initdb`` in
a temporary folder, listening on 127.0.0.1 on a free port, trusted, fsync off.

    python bench/throwaway_postgres.py start FOLDER   prints the server's URL (no database)
    python bench/throwaway_postgres.py stop FOLDER    stops it and removes FOLDER

Imported, :func:`start` returns a :class:`Server` to stop. As root the server runs as the
``postgres`` user (PostgreSQL refuses root), so FOLDER must be one that user may enter: not
under pytest's own temporary folder, which only its owner may.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

URL_FILE = "url"


class NoServerError(RuntimeError):
    """No server could be started here; the message says why."""


def find_initdb() -> Path | None:
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path)
    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return installed[-1] if installed else None


def _as_postgres_user() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str]) -> None:
    done = subprocess.run(command, check=False, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise NoServerError(done.stderr.strip() or done.stdout.strip() or f"{command[0]} failed")


@dataclass(frozen=True)
class Server:
    folder: Path
    url: str
    pg_ctl: Path

    def stop(self) -> None:
        data = str(self.folder / "data")
        subprocess.run(  # noqa: S603 - the server's own tool, found at start
            [*_as_postgres_user(), str(self.pg_ctl), "-D", data, "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def start(folder: Path, *, durable: bool = False) -> Server:
    """Start a server whose files live in ``folder`` (created; removed by :meth:`Server.stop`).
    ``durable``: sync every commit to disk as a real server does (a benchmark's figures
    should); tests need not.

    Raises ``NoServerError`` saying why when PostgreSQL is absent or will not start.
    """
    initdb = find_initdb()
    if initdb is None:
        raise NoServerError("PostgreSQL is not installed here (no initdb; Debian: postgresql)")
    folder.mkdir(parents=True, exist_ok=True)
    as_user = _as_postgres_user()
    if as_user:
        shutil.chown(folder, "postgres")
        # The server's user must be able to reach its folder, whoever made the ones above.
        for parent in folder.parents:
            if parent.stat().st_uid == 0 and not parent.stat().st_mode & 0o001:
                raise NoServerError(
                    f"{parent} is closed to the postgres user: give a folder it can reach"
                )
    data, port = folder / "data", _free_port()
    pg_ctl = initdb.parent / "pg_ctl"
    # fsync off unless asked: a throwaway server's durability is not what the tests measure.
    options = f"-p {port} -k {folder} -h 127.0.0.1 -c max_connections=200"
    if not durable:
        options += " -F"
    initialise = [str(initdb), "-D", str(data), "-U", "moderator", "--auth=trust", "-E", "UTF8"]
    launch = [str(pg_ctl), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w"]
    try:
        _run([*as_user, *initialise])
        _run([*as_user, *launch, "start"])
    except (NoServerError, OSError) as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise NoServerError(f"no PostgreSQL server could be started here: {error}") from None
    server = Server(folder, f"postgresql+psycopg://moderator@127.0.0.1:{port}", pg_ctl)
    (folder / URL_FILE).write_text(server.url + "\n")
    return server


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    command, folder = argv[0], Path(argv[1])
    if command == "start":
        try:
            print(start(folder).url)
        except NoServerError as error:
            print(f"throwaway_postgres: {error}", file=sys.stderr)
            return 1
        return 0
    url_file = folder / URL_FILE
    if not url_file.exists():
        return 0
    initdb = find_initdb()
    pg_ctl = initdb.parent / "pg_ctl" if initdb else Path("pg_ctl")
    Server(folder, url_file.read_text().strip(), pg_ctl).stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
