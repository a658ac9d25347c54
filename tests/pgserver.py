"""A throwaway PostgreSQL server for the test suite.

``PostgresServer`` runs ``initdb`` into a fresh temporary folder, starts the server with
``pg_ctl`` on 127.0.0.1 and a free TCP port (its unix socket also lives in the temporary
folder, so it never touches ``/var/run/postgresql``), creates the database ``kit`` owned by
the superuser ``kit`` (authentication: trust, on this machine only) and exposes the URL
``postgresql://kit@127.0.0.1:PORT/kit``. ``stop()`` shuts the server down and removes the
folder; it is idempotent and also registered with :mod:`atexit`, so an interrupted test run
does not leave a server behind.

PostgreSQL refuses to run as root. When the tests run as root (as CI does), the server runs
as an unprivileged system user: ``$KIT_PG_USER`` if set, else ``kitpg`` (created with
``useradd --system`` when missing), else ``postgres`` or ``nobody`` when ``kitpg`` cannot be
created. Otherwise it runs as the current user.

Where the binaries are looked for (the first folder holding ``initdb``, ``pg_ctl`` and
``postgres``): ``$KIT_PG_BINDIR``, the folder of ``pg_ctl`` on ``PATH`` (symlinks resolved),
``/usr/local/bin``, ``/usr/lib/postgresql/<newest>/bin``, ``/usr/local/pgsql/bin``,
``pg_config --bindir``. When none is found, :func:`find_bindir` raises
:class:`PostgresNotFound`; the pytest fixture turns that into a skip locally and a failure
under ``CI=true``.

Only the standard library and psycopg (a dependency of the kit) are used.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

try:  # tests/ as a package, or as a rootdir folder on sys.path
    from .ci import in_ci
except ImportError:
    from ci import in_ci

__all__ = [
    "PostgresNotFound",
    "PostgresServer",
    "PostgresServerError",
    "find_bindir",
    "in_ci",
    "require_bindir",
]

_BINARIES = ("initdb", "pg_ctl", "postgres")
_DEFAULT_SUPERUSER = "kit"
_DEFAULT_DATABASE = "kit"
_SERVICE_USER = "kitpg"

# Environment variables of libpq/PostgreSQL tools that must not leak into the server's
# tools (e.g. a PGDATA or PGPORT of the developer's own cluster).
_PG_ENV_VARS = (
    "PGDATA", "PGPORT", "PGHOST", "PGHOSTADDR", "PGUSER", "PGDATABASE", "PGPASSWORD",
    "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE", "PGOPTIONS", "PGSSLMODE", "PGTZ",
    "PGCLIENTENCODING", "PGCONNECT_TIMEOUT",
)


class PostgresNotFound(RuntimeError):
    """No PostgreSQL server binaries (initdb, pg_ctl, postgres) were found."""


class PostgresServerError(RuntimeError):
    """The server could not be initialised, started or reached (message has the log)."""


# --------------------------------------------------------------------------- binaries


def _has_binaries(folder: Path) -> bool:
    return all(os.access(folder / name, os.X_OK) for name in _BINARIES)


def _version_key(path: str) -> tuple[int, ...]:
    match = re.search(r"postgresql/(\d+(?:\.\d+)*)/bin", path)
    return tuple(int(p) for p in match.group(1).split(".")) if match else (0,)


def _candidate_bindirs() -> list[Path]:
    candidates: list[Path] = []
    env = os.environ.get("KIT_PG_BINDIR")
    if env:
        candidates.append(Path(env))
    on_path = shutil.which("pg_ctl")
    if on_path:
        # /usr/local/bin/pg_ctl may be a symlink into /usr/lib/postgresql/N/bin; pg_ctl
        # finds `postgres` next to its real path, so use the resolved folder first.
        candidates.append(Path(on_path).resolve().parent)
        candidates.append(Path(on_path).parent)
    candidates.append(Path("/usr/local/bin"))
    versioned = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    candidates.extend(Path(p) for p in versioned)
    candidates.append(Path("/usr/local/pgsql/bin"))
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out:
                candidates.append(Path(out))
        except (OSError, subprocess.SubprocessError):
            pass
    return candidates


def find_bindir() -> Path:
    """Return the folder holding ``initdb``, ``pg_ctl`` and ``postgres``.

    Raises
    ------
    PostgresNotFound
        When no candidate folder has all three, with the folders that were searched.
    """
    searched = []
    for folder in _candidate_bindirs():
        folder = folder.resolve() if folder.exists() else folder
        if folder in searched:
            continue
        searched.append(folder)
        if _has_binaries(folder):
            return folder
    raise PostgresNotFound(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; searched: "
        + ", ".join(str(p) for p in searched)
        + ". Install them (Debian: `apt-get install postgresql`) or set KIT_PG_BINDIR."
    )


def require_bindir() -> Path:
    """:func:`find_bindir` for tests: skip when not found, but fail under ``CI=true``."""
    import pytest

    try:
        return find_bindir()
    except PostgresNotFound as exc:
        if in_ci():
            pytest.fail(
                f"CI=true but the PostgreSQL tests cannot run: {exc}", pytrace=False
            )
        pytest.skip(str(exc))


# --------------------------------------------------------------------------- helpers


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class _RunAs:
    name: str
    uid: int
    gid: int

    @property
    def is_current(self) -> bool:
        return self.uid == os.geteuid()


def _service_user() -> _RunAs:
    """The account the server runs as: the current one, or an unprivileged one for root."""
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
        return _RunAs(entry.pw_name, entry.pw_uid, entry.pw_gid)

    wanted = os.environ.get("KIT_PG_USER")
    names = [wanted] if wanted else [_SERVICE_USER, "postgres", "nobody"]
    problems = []
    for name in names:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            if name != _SERVICE_USER:
                problems.append(f"{name}: no such user")
                continue
            entry = _create_service_user(name, problems)
            if entry is None:
                continue
        if entry.pw_uid == 0:
            problems.append(f"{name}: has uid 0")
            continue
        return _RunAs(entry.pw_name, entry.pw_uid, entry.pw_gid)
    raise PostgresServerError(
        "running as root and found no unprivileged user to run PostgreSQL as: "
        + "; ".join(problems)
    )


def _create_service_user(name: str, problems: list[str]) -> pwd.struct_passwd | None:
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    nologin = shutil.which("nologin") or "/usr/sbin/nologin"
    cmd = [useradd, "--system", "--no-create-home", "--home-dir", "/nonexistent",
           "--shell", nologin, "--user-group", name]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        problems.append(f"{name}: {' '.join(cmd)} failed: {exc}")
        return None
    try:
        # Also covers a concurrent test run that created it first (useradd exit 9).
        return pwd.getpwnam(name)
    except KeyError:
        problems.append(
            f"{name}: {' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()}"
        )
        return None


def _tail(path: Path, max_chars: int = 6000) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(no server log: {exc})"
    return text if len(text) <= max_chars else "...\n" + text[-max_chars:]


# --------------------------------------------------------------------------- server


@dataclass
class PostgresServer:
    """A private PostgreSQL server in a temporary folder.

    Parameters
    ----------
    bindir
        Folder with initdb, pg_ctl and postgres; default :func:`find_bindir`.
    superuser, database
        Names of the superuser created by initdb and of the database created after start.
    start_timeout
        Seconds allowed for initdb, and again for start-up until a connection succeeds.

    Use as a context manager, or call :meth:`start` and :meth:`stop`. After ``start``,
    ``url`` is ``postgresql://SUPERUSER@127.0.0.1:PORT/DATABASE``; ``timings`` holds the
    seconds spent in initdb, start-up and database creation.
    """

    bindir: Path | None = None
    superuser: str = _DEFAULT_SUPERUSER
    database: str = _DEFAULT_DATABASE
    start_timeout: float = 60.0
    port: int | None = field(default=None, init=False)
    base_dir: Path | None = field(default=None, init=False)
    run_as: _RunAs | None = field(default=None, init=False)
    timings: dict[str, float] = field(default_factory=dict, init=False)
    _running: bool = field(default=False, init=False)

    # -- public ------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "sock"

    @property
    def log_file(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "server.log"

    @property
    def url(self) -> str:
        if self.port is None:
            raise PostgresServerError("server not started")
        return f"postgresql://{self.superuser}@127.0.0.1:{self.port}/{self.database}"

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> PostgresServer:
        """Initialise the cluster, start the server, create the database; return self."""
        if self._running:
            return self
        t0 = time.perf_counter()
        self.bindir = Path(self.bindir) if self.bindir else find_bindir()
        self.run_as = _service_user()
        self.base_dir = self._make_base_dir()
        atexit.register(self.stop)
        try:
            self._initdb()
            t1 = time.perf_counter()
            self._start_server()
            t2 = time.perf_counter()
            self._create_database()
            t3 = time.perf_counter()
        except BaseException:
            self.stop()
            raise
        self.timings = {"initdb": t1 - t0, "start": t2 - t1, "createdb": t3 - t2,
                        "total": t3 - t0}
        return self

    def stop(self) -> None:
        """Stop the server (fast, then immediate, then SIGKILL) and remove the folder."""
        if self.base_dir is None:
            return
        try:
            if self._running or (self.data_dir / "postmaster.pid").exists():
                self._stop_server()
        finally:
            self._running = False
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None
            try:
                atexit.unregister(self.stop)
            except Exception:  # pragma: no cover - interpreter shutting down
                pass

    # -- steps -------------------------------------------------------------------------

    def _make_base_dir(self) -> Path:
        assert self.run_as is not None
        parent = os.environ.get("KIT_PG_TMPDIR")
        if parent is None and not self.run_as.is_current:
            # The service user must be able to reach the folder: /tmp is world-traversable,
            # while $TMPDIR of root (or pytest's tmp_path) may not be. /tmp also keeps the
            # unix socket path short (limit ~107 bytes).
            parent = "/tmp"
        base = Path(tempfile.mkdtemp(prefix="kit-pg-", dir=parent))
        for sub in ("sock",):
            (base / sub).mkdir()
        if not self.run_as.is_current:
            for path in (base, base / "sock"):
                os.chown(path, self.run_as.uid, self.run_as.gid)
        return base

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _PG_ENV_VARS}
        env["LC_ALL"] = "C"
        env["LANG"] = "C"
        env["TZ"] = "UTC"
        if self.run_as is not None and not self.run_as.is_current:
            env["HOME"] = str(self.base_dir)
            env["USER"] = env["LOGNAME"] = self.run_as.name
        return env

    def _run(self, args: list[str], what: str, timeout: float) -> subprocess.CompletedProcess:
        """Run a PostgreSQL tool as the service user; raise with its output on failure."""
        assert self.run_as is not None and self.base_dir is not None
        kwargs: dict = {}
        if not self.run_as.is_current:
            kwargs = {"user": self.run_as.uid, "group": self.run_as.gid, "extra_groups": []}
        try:
            proc = subprocess.run(
                args, cwd=self.base_dir, env=self._env(), capture_output=True, text=True,
                timeout=timeout, stdin=subprocess.DEVNULL, **kwargs,
            )
        except subprocess.TimeoutExpired as exc:
            raise PostgresServerError(self._describe(
                f"{what} timed out after {timeout:.0f} s", args, exc.stdout, exc.stderr
            )) from None
        except OSError as exc:
            raise PostgresServerError(self._describe(f"{what} could not run: {exc}", args)) from exc
        if proc.returncode != 0:
            raise PostgresServerError(self._describe(
                f"{what} exited with status {proc.returncode}", args, proc.stdout, proc.stderr
            ))
        return proc

    def _describe(self, headline, args, stdout=None, stderr=None) -> str:
        def text(value) -> str:
            if value is None:
                return ""
            if isinstance(value, bytes):
                value = value.decode(errors="replace")
            return value.strip()

        parts = [
            f"PostgreSQL test server: {headline}",
            f"  command: {' '.join(map(str, args))}",
            f"  run as: {self.run_as.name if self.run_as else '?'} "
            f"(uid {self.run_as.uid if self.run_as else '?'}), port {self.port}, "
            f"folder {self.base_dir}",
        ]
        if text(stdout):
            parts.append("  stdout:\n" + text(stdout))
        if text(stderr):
            parts.append("  stderr:\n" + text(stderr))
        if self.base_dir is not None and self.log_file.exists():
            parts.append(f"  server log ({self.log_file}):\n" + _tail(self.log_file))
        return "\n".join(parts)

    def _initdb(self) -> None:
        assert self.bindir is not None
        self._run(
            [str(self.bindir / "initdb"), "-D", str(self.data_dir), "-A", "trust",
             "-U", self.superuser, "-E", "UTF8", "--locale=C", "--no-sync"],
            "initdb", timeout=self.start_timeout,
        )
        # A test server: no durability needed, quiet and fast. Appended settings win over
        # the defaults that initdb wrote above them.
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "timezone": "'UTC'",
            "log_timezone": "'UTC'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "50",
            "logging_collector": "off",
        }
        conf = self.data_dir / "postgresql.conf"
        with conf.open("a") as fh:
            fh.write("\n# kit test server (tests/pgserver.py)\n")
            for key, value in settings.items():
                fh.write(f"{key} = {value}\n")

    def _start_server(self) -> None:
        assert self.bindir is not None
        last_error: PostgresServerError | None = None
        for _attempt in range(3):  # a free port can be taken between probe and bind
            self.port = _free_port()
            try:
                self._run(
                    [str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-l",
                     str(self.log_file), "-w", "-t", str(int(self.start_timeout)),
                     "-o", f"-p {self.port}", "start"],
                    "pg_ctl start", timeout=self.start_timeout + 15,
                )
            except PostgresServerError as exc:
                last_error = exc
                log = _tail(self.log_file) if self.log_file.exists() else ""
                if (self.data_dir / "postmaster.pid").exists():
                    self._stop_server()
                if "Address already in use" in log or "could not bind" in log:
                    continue
                raise
            self._running = True
            self._wait_until_ready()
            return
        assert last_error is not None
        raise last_error

    def _connect(self, dbname: str, timeout: float = 5.0):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.superuser, dbname=dbname,
            connect_timeout=max(1, int(timeout)), autocommit=True,
        )

    def _wait_until_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                with self._connect("postgres") as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise PostgresServerError(self._describe(
                        f"server did not accept connections within {self.start_timeout:.0f}"
                        f" s: {exc}", ["psycopg.connect", self.url],
                    )) from None
                time.sleep(0.1)

    def _create_database(self) -> None:
        import psycopg
        from psycopg import sql

        try:
            with self._connect("postgres") as conn:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(
                        sql.Identifier(self.database)
                    )
                )
        except psycopg.Error as exc:
            raise PostgresServerError(self._describe(
                f"CREATE DATABASE {self.database} failed: {exc}", ["psycopg"]
            )) from None

    def _stop_server(self) -> None:
        assert self.bindir is not None
        for mode in ("fast", "immediate"):
            try:
                self._run(
                    [str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-m", mode,
                     "-w", "-t", "20", "stop"],
                    f"pg_ctl stop -m {mode}", timeout=30,
                )
                return
            except PostgresServerError:
                continue
        # Last resort: kill the postmaster recorded in postmaster.pid (only that pid).
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
            os.kill(pid, 9)
        except (OSError, ValueError, IndexError):
            pass
