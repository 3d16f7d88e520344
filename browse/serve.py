"""Run Datasette on the store: read-only, Chinese metadata, nianbao's plugin and templates.

Datasette opens a database file it was not told is immutable with ``mode=ro`` connections, so the SQL
endpoint cannot write, and it sees what the crawler writes meanwhile (WAL). Immutable mode (``-i``)
is not used: it would hide the crawler's writes, and canned queries must be tested in the mode we
serve (docs/lessons.md).

    with DatasetteServer("nianbao.db", port=8001) as server:
        print(server.url)          # http://127.0.0.1:8001
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Self

from .metadata import build_metadata
from .views import prepare

HERE = Path(__file__).resolve().parent
PLUGINS_DIR = HERE / "plugins"
TEMPLATES_DIR = HERE / "templates"
DEFAULT_PORT = 8001

SETTINGS = {
    "sql_time_limit_ms": 5000,   # county overviews over a national store take a moment
    "facet_time_limit_ms": 1000,
    "default_page_size": 50,
    "max_returned_rows": 5000,
    "truncate_cells_html": 200,  # report text is long; the report page shows it whole
    "allow_download": "off",     # never hand out a copy of a live database file
    "default_cache_ttl": 0,      # the store changes while a crawl runs
}


def database_name(db_path: str | Path) -> str:
    """The name Datasette gives a database file: its stem."""
    return Path(db_path).stem


def write_metadata(db_path: str | Path, directory: str | Path) -> Path:
    """Write the metadata JSON for ``db_path`` into ``directory``; returns its path."""
    path = Path(directory) / "metadata.json"
    path.write_text(json.dumps(build_metadata(database_name(db_path)), ensure_ascii=False, indent=2),
                    encoding="utf-8")
    return path


def datasette_command(db_path: str | Path, metadata_path: str | Path, *, port: int = DEFAULT_PORT,
                      host: str = "127.0.0.1", root: bool = False) -> list[str]:
    """The ``python -m datasette serve …`` command line (``root``: print a sign-in link for root)."""
    cmd = [sys.executable, "-m", "datasette", "serve", str(db_path), "-m", str(metadata_path),
           "--plugins-dir", str(PLUGINS_DIR), "--template-dir", str(TEMPLATES_DIR),
           "-h", host, "-p", str(port)] + (["--root"] if root else [])
    for name, value in SETTINGS.items():
        cmd += ["--setting", name, str(value)]
    return cmd


def datasette_env() -> dict[str, str]:
    """The environment for the Datasette process: the repository on the path, for ``browse`` imports
    in the plugin (which Datasette loads by file path)."""
    env = dict(os.environ)
    root = str(HERE.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DatasetteServer:
    """Datasette on a store, as a child process: prepared, started, ready, stopped.

    ``prepare_db=False`` skips creating the views and the FTS index (when the caller already did).
    """

    def __init__(self, db_path: str | Path, *, port: int | None = None, host: str = "127.0.0.1",
                 prepare_db: bool = True, log_path: str | Path | None = None):
        self.db_path = Path(db_path)
        self.port = port or free_port()
        self.host = host
        self.prepare_db = prepare_db
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def database(self) -> str:
        return database_name(self.db_path)

    def start(self, timeout: float = 30) -> Self:
        if not self.db_path.exists():
            raise FileNotFoundError(f"数据库不存在：{self.db_path}")
        if self.prepare_db:
            prepare(self.db_path)
        self._tmp = tempfile.TemporaryDirectory(prefix="nianbao-datasette-")
        metadata = write_metadata(self.db_path, self._tmp.name)
        with open(self.log_path or Path(self._tmp.name) / "datasette.log", "wb") as log:
            self.proc = subprocess.Popen(datasette_command(self.db_path, metadata, port=self.port, host=self.host),
                                         env=datasette_env(), stdout=log, stderr=subprocess.STDOUT)
        self._wait(timeout)
        return self

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Datasette 退出（{self.proc.returncode}）：{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/versions.json", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"Datasette 未在 {timeout} 秒内启动")

    def log(self) -> str:
        path = Path(self.log_path) if self.log_path else (Path(self._tmp.name) / "datasette.log" if self._tmp else None)
        return path.read_text(errors="replace")[-4000:] if path and path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(db_path: str | Path, *, port: int = DEFAULT_PORT, host: str = "127.0.0.1", root: bool = False) -> int:
    """Prepare the store and run Datasette in the foreground until interrupted; returns its exit code.

    SIGTERM and Ctrl-C are passed on to Datasette, so stopping ``nianbao serve`` never leaves it running.
    """
    prepare(db_path)
    with tempfile.TemporaryDirectory(prefix="nianbao-datasette-") as tmp:
        metadata = write_metadata(db_path, tmp)
        proc = subprocess.Popen(datasette_command(db_path, metadata, port=port, host=host, root=root),
                                env=datasette_env())
        previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            return proc.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)
