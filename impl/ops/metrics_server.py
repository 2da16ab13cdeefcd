"""The Prometheus endpoint on METRICS_PORT, served by the process that starts the server.

Every worker writes its metrics to files in PROMETHEUS_MULTIPROC_DIR (prometheus-client's
multiprocess mode); this endpoint adds them up at scrape time, so WORKERS > 1 report one
set of numbers. `prepare_multiprocess_dir` must run before prometheus_client is imported
anywhere in the process: the library picks its value store at import time.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

PID_IN_FILE_NAME = re.compile(r"_(\d+)\.db$")


def prepare_multiprocess_dir() -> Path:
    directory = Path(
        os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="tasks-api-metrics-")
    )
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):  # a previous run's values would be added in
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LiveWorkersCollector:
    """The workers' metrics, after dropping the gauges of workers that died (a restarted
    worker's in-flight and pool gauges would otherwise count forever)."""

    def __init__(self, directory: Path) -> None:
        from prometheus_client.multiprocess import MultiProcessCollector  # noqa: PLC0415  (see module doc)

        self.directory = directory
        self.inner = MultiProcessCollector(None, path=str(directory))  # type: ignore[no-untyped-call]

    def collect(self) -> Iterable[Any]:
        from prometheus_client import multiprocess  # noqa: PLC0415

        for path in self.directory.glob("gauge_live*.db"):
            match = PID_IN_FILE_NAME.search(path.name)
            if match and not _alive(int(match.group(1))):
                multiprocess.mark_process_dead(int(match.group(1)), path=str(self.directory))  # type: ignore[no-untyped-call]
        metrics: Iterable[Any] = self.inner.collect()  # type: ignore[no-untyped-call]
        return metrics


def start_metrics_server(host: str, port: int) -> None:
    """Serve /metrics on host:port from a daemon thread of this process."""
    directory = prepare_multiprocess_dir()
    from prometheus_client import CollectorRegistry, start_http_server  # noqa: PLC0415

    registry = CollectorRegistry(auto_describe=True)
    registry.register(LiveWorkersCollector(directory))
    start_http_server(port, addr=host, registry=registry)
