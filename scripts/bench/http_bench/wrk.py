"""Running wrk with a script of scripts/bench/wrk/ and reading the JSON line its done() prints."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

WRK_DIR = Path(__file__).resolve().parent.parent / "wrk"
MARKER = "BENCH_JSON "
# Past the run's own duration: connecting, the last responses, done().
GRACE_SECONDS = 60


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    status_2xx: int
    status_3xx: int
    status_4xx: int
    status_503: int
    status_5xx: int
    timeouts: int
    connect_errors: int
    read_errors: int
    write_errors: int
    wraps: int
    first_error: str | None
    # Counted by the scripts that send through Lua (not static.lua): None when not counted.
    sent: int | None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def unanswered(self) -> int | None:
        """Requests without an answer when wrk stopped: at most one per connection normally;
        all of them when the server stalls (wrk itself reports none of these)."""
        return None if self.sent is None else max(0, self.sent - self.requests)

    @property
    def non_2xx(self) -> int:
        return self.status_3xx + self.status_4xx + self.status_503 + self.status_5xx

    @property
    def socket_errors(self) -> int:
        return self.connect_errors + self.read_errors + self.write_errors

    @property
    def failures(self) -> int:
        """Everything that was not a timely 2xx answer: statuses, late answers (wrk's
        "timeouts": answered after --timeout), socket errors."""
        return self.non_2xx + self.timeouts + self.socket_errors

    @classmethod
    def parse(cls, output: str) -> WrkResult:
        lines = [line for line in output.splitlines() if line.startswith(MARKER)]
        if not lines:
            raise RuntimeError(f"wrk printed no {MARKER.strip()} line:\n{output[-2000:]}")
        data = json.loads(lines[-1][len(MARKER) :])
        return cls(
            requests=data["requests"],
            seconds=data["duration_us"] / 1e6,
            p50_ms=data["p50_us"] / 1000,
            p90_ms=data["p90_us"] / 1000,
            p99_ms=data["p99_us"] / 1000,
            max_ms=data["max_us"] / 1000,
            status_2xx=data["status_2xx"],
            status_3xx=data["status_3xx"],
            status_4xx=data["status_4xx"],
            status_503=data["status_503"],
            status_5xx=data["status_5xx"],
            timeouts=data["timeouts"],
            connect_errors=data["connect_errors"],
            read_errors=data["read_errors"],
            write_errors=data["write_errors"],
            wraps=data["wraps"],
            first_error=data["first_error"],
            # wrk builds one request at start-up only to check it (thread 1): not sent.
            sent=data["sent"] - 1 if data["sent"] else None,
        )


@dataclass(frozen=True)
class Load:
    """How hard wrk pushes: -t, -c, -d and --timeout."""

    threads: int
    connections: int
    seconds: int
    timeout_seconds: int = 5


class WrkRun:
    """One wrk process; start it, then wait for its result (several may run at once)."""

    def __init__(self, url: str, script: str, load: Load, env: dict[str, str]) -> None:
        self.load = load
        command = [
            "wrk",
            f"-t{load.threads}",
            f"-c{load.connections}",
            f"-d{load.seconds}s",
            f"--timeout={load.timeout_seconds}s",
            "-s",
            str(WRK_DIR / script),
            url,
        ]
        inherited = {name: value for name, value in os.environ.items() if not name.startswith("BENCH_")}
        environment = {
            **inherited,
            **env,
            "BENCH_WRK_DIR": str(WRK_DIR),
            "BENCH_THREADS": str(load.threads),
        }
        self.process = subprocess.Popen(
            command,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def result(self) -> WrkResult:
        try:
            output, _ = self.process.communicate(timeout=self.load.seconds + GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise RuntimeError("wrk did not finish in time") from None
        if self.process.returncode != 0:
            raise RuntimeError(f"wrk failed ({self.process.returncode}):\n{output[-2000:]}")
        return WrkResult.parse(output)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def run(url: str, script: str, load: Load, env: dict[str, str]) -> WrkResult:
    wrk = WrkRun(url, script, load, env)
    try:
        return wrk.result()
    finally:
        wrk.stop()
