"""A throwaway Spark standalone cluster: one master and two workers (1 core, 512 MB each),
started from the pyspark package's own ``spark-class`` on loopback ports, stopped at the end.
Used once per test run (the ``spark_cluster`` fixture of tests/conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SparkCluster:
    def __init__(self, work: Path, java_home: str, workers: int = 2):
        import pyspark

        self.home = Path(pyspark.__file__).parent
        self.work, self.workers = work, workers
        self.port = _free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self.env = dict(os.environ, JAVA_HOME=java_home, SPARK_HOME=str(self.home), SPARK_LOCAL_IP="127.0.0.1",
                        SPARK_DAEMON_MEMORY="256m", SPARK_NO_DAEMONIZE="1")
        self.processes: list[subprocess.Popen] = []

    def _start(self, name: str, *args: str) -> Path:
        log = self.work / f"{name}.log"
        handle = log.open("wb")
        self.processes.append(subprocess.Popen(
            [str(self.home / "bin" / "spark-class"), *args], env=self.env, stdout=handle, stderr=subprocess.STDOUT,
            cwd=self.work, start_new_session=True))
        return log

    def start(self, timeout: float = 90) -> "SparkCluster":
        master_log = self._start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                                 "--port", str(self.port), "--webui-port", str(_free_port()))
        for number in range(self.workers):
            work_dir = self.work / f"worker{number}"
            work_dir.mkdir(exist_ok=True)
            self._start(f"worker{number}", "org.apache.spark.deploy.worker.Worker", self.url, "--host", "127.0.0.1",
                        "--cores", "1", "--memory", "768m", "--webui-port", str(_free_port()),
                        "--work-dir", str(work_dir))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = master_log.read_text(errors="replace")
            if text.count("Registering worker") >= self.workers:
                return self
            if any(process.poll() is not None for process in self.processes):
                break
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the Spark cluster did not start; see {self.work}/*.log:\n{master_log.read_text()[-2000:]}")

    def registered_workers(self) -> int:
        return (self.work / "master.log").read_text(errors="replace").count("Registering worker")

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()
