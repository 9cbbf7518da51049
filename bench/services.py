"""Start and stop what a benchmark runs against: the fake upstream, a database, both services.

Every process started here is stopped by its own PID (also on Ctrl-C), never by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
PROTECTED_DATABASES = {"test", "postgres", "template0", "template1"}


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up in {timeout:.0f} s")
        time.sleep(0.2)


def wait_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"port {port} did not open in {timeout:.0f} s") from None
            time.sleep(0.1)


def children(pid: int) -> list[int]:
    """Direct children of `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def rss_kib(pid: int) -> int:
    for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def fresh_pg_database(name: str) -> str:
    """Drop and create the PostgreSQL database `name` (never a shared one); its URL."""
    if name in PROTECTED_DATABASES:
        raise SystemExit(f"refusing to recreate database {name!r}")
    admin = sa.create_engine(
        f"{PG_ADMIN_URL}/postgres".replace("postgresql://", "postgresql+psycopg://"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{PG_ADMIN_URL}/{name}"


# How each server's master shows in its command line (the voice service's hypercorn is started
# through voice.serve).
SERVER_COMMANDS = {"gunicorn": ("gunicorn",), "hypercorn": ("hypercorn", "voice.serve")}


def worker_pids(run_local: subprocess.Popen[bytes], server: str) -> list[int]:
    """PIDs of the worker processes of `server` ("gunicorn" or "hypercorn") that a
    bin/run-local process started."""
    names = SERVER_COMMANDS[server]
    masters = [p for p in children(run_local.pid) if any(n in cmdline(p) for n in names)]
    workers = [c for m in masters for c in children(m)]
    return workers or masters


def terminate(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 15 s."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def database_url(kind: str, workdir: str, pg_name: str) -> str:
    """A fresh database of `kind` ("sqlite": a file in `workdir`; else PostgreSQL `pg_name`,
    recreated)."""
    if kind == "sqlite":
        return f"sqlite:///{workdir}/bench.db"
    return fresh_pg_database(pg_name)


@dataclass
class Stack:
    """The fake upstream plus the API and voice services on one database, on loopback."""

    database_url: str
    api_port: int
    voice_port: int
    upstream_port: int
    extra_env: dict[str, str] = field(default_factory=dict)
    upstream_pid: int = 0  # set by start_upstream
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench-")))
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def voice(self) -> str:
        return f"http://127.0.0.1:{self.voice_port}"

    @property
    def upstream(self) -> str:
        return f"http://127.0.0.1:{self.upstream_port}/v1"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "PATH": f"{BIN}:{env.get('PATH', '')}",
                "DATABASE_URL": self.database_url,
                "OPENAI_API_KEY": "sk-bench-not-a-secret",
                "OPENAI_BASE_URL": self.upstream,
                "RATE_LIMIT_ENABLED": "false",
                # Budgets stay checked (their queries are part of a turn's cost) but never bind.
                "QUOTA_GUEST_TOKENS_PER_DAY": "1000000000",
                "QUOTA_GUEST_IP_TOKENS_PER_DAY": "1000000000",
                "JWT_ACCESS_MINUTES": "240",
                # The memory scenario uploads 5 MB WAVs (over two minutes at 16 kHz); the
                # duration limit would refuse them before the decoding it measures.
                "MAX_AUDIO_SECONDS": "600",
                "APP_ENV": "development",
                "HOST": "127.0.0.1",
                "API_PORT": str(self.api_port),
                "VOICE_PORT": str(self.voice_port),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def spawn(
        self, args: list[str], log: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start `args` with the stack's environment (and `env` over it), output to `log`."""
        out = open(self.workdir / log, "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            args, cwd=ROOT, env=self.env() | (env or {}), stdout=out, stderr=subprocess.STDOUT
        )
        self._procs.append(proc)
        return proc

    def start_upstream(self) -> None:
        self.upstream_pid = self.spawn(
            [
                sys.executable,
                "-m",
                "tests.fake_openai",
                "--port",
                str(self.upstream_port),
                "--no-record",
            ],
            "upstream.log",
        ).pid
        wait_port(self.upstream_port, timeout=15)

    def migrate(self) -> None:
        subprocess.run(
            [str(BIN / "flask"), "--app", "api", "db", "upgrade"],
            cwd=ROOT,
            env=self.env(),
            check=True,
            capture_output=True,
        )

    def start_services(self) -> None:
        self.services = self.spawn([str(ROOT / "bin" / "run-local")], "services.log")
        wait_http(f"{self.api}/api/health", timeout=60)
        wait_http(f"{self.voice}/voice/health", timeout=60)

    def start(self) -> Stack:
        """Everything up, or everything stopped again (with the services' log on stderr)."""
        try:
            self.start_upstream()
            self.migrate()
            self.start_services()
        except BaseException:
            self.stop()
            log = self.workdir / "services.log"
            if log.exists():
                sys.stderr.write(log.read_text()[-3000:])
            raise
        return self

    def set_upstream(self, **behaviour: Any) -> None:
        """Change the fake upstream's latencies while it runs."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.upstream_port}/_fake/behaviour",
            data=json.dumps(behaviour).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            response.read()

    def worker_pids(self, server: str) -> list[int]:
        """PIDs of the worker processes of `server` ("gunicorn" or "hypercorn")."""
        return worker_pids(self.services, server)

    def end(self, proc: subprocess.Popen[bytes]) -> None:
        """Stop one process this stack started."""
        terminate(proc)
        self._procs.remove(proc)

    def stop(self) -> None:
        """Stop every process this stack started, by PID, services first."""
        for proc in reversed(self._procs):
            if proc.poll() is None:
                grandchildren = [c for p in children(proc.pid) for c in [p, *children(p)]]
                terminate(proc)
                for pid in grandchildren:
                    names = [n for server in SERVER_COMMANDS.values() for n in server]
                    if not any(name in cmdline(pid) for name in names):
                        continue
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        self._procs.clear()
