"""The real gateway, started as a separate process (uvicorn) on a free loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .pgcluster import free_port


class Server:
    def __init__(self, database_url: str, *, insecure_demo: bool = False, workers: int = 1, log_path: Path | None = None,
                 log_level: str = "info", env: dict[str, str] | None = None, migrate: bool = True):
        self.database_url = database_url
        self.env = dict(os.environ, **(env or {}))  # e.g. YIBAO_SECRET_KEY, YIBAO_TRUSTED_NETWORKS
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.insecure_demo = insecure_demo
        self.workers = workers
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.log_level = log_level
        self.migrate = migrate  # tests start on fresh databases; production runs --no-migrate

    def start(self) -> "Server":
        command = [sys.executable, "-m", "yibao.cli", "serve", "--port", str(self.port), "--db", self.database_url,
                   "--workers", str(self.workers), "--log-level", self.log_level,
                   "--migrate" if self.migrate else "--no-migrate"]
        if self.insecure_demo:
            command.append("--insecure-demo")
        log = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                        start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    self._wait_for_every_worker(deadline)
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the server did not become healthy within 60 s")

    def _wait_for_every_worker(self, deadline: float) -> None:
        """/health answers as soon as one worker listens; connections opened before the others
        do would all land on that one. Probe on fresh connections until each worker has answered
        (a refused envelope's inf_refmsgid names its worker)."""
        seen: set[int] = set()
        while len(seen) < self.workers and time.monotonic() < deadline:
            try:
                body = httpx.post(self.url + "/fsi/api/rsfComIfsService/callService", content=b"{}", timeout=2).json()
                seen.add(int(str(body["inf_refmsgid"])[-10:]) // 10_000_000)
            except (httpx.HTTPError, ValueError, KeyError):
                time.sleep(0.05)

    def kill(self) -> None:
        """kill -9 the server and its workers: no shutdown, no flush, mid-request."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
