"""The figures of one benchmark run, printed as one table (and written as JSON)."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .probe import ProbeSummary
from .servers import LogErrors
from .wrk import WrkResult

NO_ERRORS = LogErrors(0, {})


@dataclass
class Figures:
    """One workload: its runs (medians shown), and what went wrong in them."""

    name: str
    runs: list[WrkResult] = field(default_factory=list)
    log: LogErrors = NO_ERRORS
    # Set for complete: a wrap means its open tasks ran out and requests were repeats.
    wraps_are_errors: bool = False
    # The longest the server stayed busy after a run stopped (abandoned requests).
    drain_seconds: float = 0.0

    @property
    def rps(self) -> float:
        return statistics.median(run.rps for run in self.runs)

    @property
    def p50_ms(self) -> float:
        return statistics.median(run.p50_ms for run in self.runs)

    @property
    def p99_ms(self) -> float:
        return statistics.median(run.p99_ms for run in self.runs)

    @property
    def non_2xx(self) -> int:
        return sum(run.non_2xx for run in self.runs)

    def problems(self) -> list[str]:
        runs = self.runs
        found = {
            "non-2xx": self.non_2xx,
            "answers after the timeout": sum(run.timeouts for run in runs),
            "socket errors": sum(run.socket_errors for run in runs),
            "repeated ids (open tasks ran out)": sum(run.wraps for run in runs)
            if self.wraps_are_errors
            else 0,
            "error records in the server log": self.log.records,
        }
        return [f"{count} {what}" for what, count in found.items() if count]

    def first_error(self) -> str | None:
        found = next((run.first_error for run in self.runs if run.first_error), None)
        logged = self.log.summary()
        return f"{found or '-'}; server log: {logged}" if logged else found

    def as_json(self, floor_rps: float | None) -> dict[str, object]:
        return {
            "workload": self.name,
            "requests_per_second": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "non_2xx": self.non_2xx,
            "percent_of_floor": round(100 * self.rps / floor_rps, 1) if floor_rps else None,
            "problems": self.problems(),
            "busy_seconds_after_load": round(self.drain_seconds, 1),
            "first_error": self.first_error(),
            "runs": [asdict(run) | {"rps": round(run.rps, 1)} for run in self.runs],
        }


@dataclass(frozen=True)
class Overload:
    connections: int
    result: WrkResult
    probe_idle: ProbeSummary
    probe: ProbeSummary
    log: LogErrors
    # From the end of the load until the liveness check answered again; None: it did not.
    recovery_seconds: float | None
    recovery_limit: float


@dataclass(frozen=True)
class Interference:
    clients: int
    idle: WrkResult
    loaded: WrkResult
    logins: WrkResult

    @property
    def ratio(self) -> float:
        return self.loaded.p99_ms / self.idle.p99_ms if self.idle.p99_ms else float("inf")


@dataclass
class Report:
    meta: dict[str, str]
    figures: list[Figures] = field(default_factory=list)
    overload: Overload | None = None
    interference: Interference | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def floor_rps(self) -> float | None:
        floor = next((figures for figures in self.figures if figures.name == "floor"), None)
        return floor.rps if floor and floor.runs else None

    def lines(self) -> list[str]:
        lines = [f"{key:<14} {value}" for key, value in self.meta.items()]
        lines += [
            "",
            f"{'workload':<30} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'% floor':>8}",
        ]
        floor = self.floor_rps
        for figures in self.figures:
            share = f"{100 * figures.rps / floor:.1f}" if floor else "-"
            problems = figures.problems()
            flag = f"  !! {', '.join(problems)}" if problems else ""
            if figures.drain_seconds >= 1:
                flag += f"  (busy {figures.drain_seconds:.0f} s after the load stopped)"
            lines.append(
                f"{figures.name:<30} {figures.rps:>9.1f} {figures.p50_ms:>8.1f} {figures.p99_ms:>8.1f} "
                f"{figures.non_2xx:>8} {share:>8}{flag}"
            )
        flagged = [figures for figures in self.figures if figures.problems()]
        if flagged:
            lines += [
                "",
                "!! Workloads with errors: their req/s and latencies do not measure the intended work.",
            ]
            for figures in flagged:
                lines.append(f"!!   {figures.name}: first error: {figures.first_error() or '-'}")
        if self.interference:
            lines += ["", *self._interference_lines(self.interference)]
        if self.overload:
            lines += ["", *self._overload_lines(self.overload)]
        if self.failures:
            lines += ["", *(f"!! {failure}" for failure in self.failures)]
        return lines

    @staticmethod
    def _interference_lines(found: Interference) -> list[str]:
        idle, loaded, logins = found.idle, found.loaded, found.logins
        return [
            f"login interference: list-100 while {found.clients} clients log in continuously",
            _latency_line("list-100 idle", idle),
            _latency_line("list-100 + logins", loaded),
            f"  p99 ratio (with logins / idle): {found.ratio:.2f}x"
            f"   logins meanwhile: {logins.rps:.1f}/s, p99 {logins.p99_ms:.0f} ms",
            *_failure_line("  !! list-100 + logins", loaded),
            *_failure_line("  !! logins", logins),
        ]

    @staticmethod
    def _overload_lines(found: Overload) -> list[str]:
        result, probe, idle = found.result, found.probe, found.probe_idle
        return [
            f"overload: list-100 with {found.connections} connections for {result.seconds:.0f} s",
            f"  {result.rps:.1f} req/s, p50 {result.p50_ms:.0f} ms, p99 {result.p99_ms:.0f} ms, "
            f"max {result.max_ms:.0f} ms (of the answers within 10 s)",
            f"  {result.sent} requests sent, {result.requests} answered: 2xx {result.status_2xx}, "
            f"503 {result.status_503}, other 5xx {result.status_5xx}, 4xx {result.status_4xx}; "
            f"after more than 10 s {result.timeouts}; unanswered when wrk stopped {result.unanswered}",
            f"  socket errors {result.socket_errors} (connect {result.connect_errors}, "
            f"read {result.read_errors}, write {result.write_errors})",
            *([f"  first error: {result.first_error}"] if result.first_error else []),
            *(
                [f"  !! server log: {found.log.records} error records; {found.log.summary()}"]
                if found.log.records
                else []
            ),
            "  liveness probe, a fresh connection every 100 ms, 5 s budget:",
            _probe_line("idle", idle),
            _probe_line("overload", probe),
            _recovery_line(found),
        ]

    def as_json(self) -> dict[str, object]:
        floor = self.floor_rps
        found: dict[str, object] = {
            "meta": self.meta,
            "workloads": [figures.as_json(floor) for figures in self.figures],
        }
        if self.interference:
            found["login_interference"] = asdict(self.interference) | {"p99_ratio": self.interference.ratio}
        if self.overload:
            found["overload"] = asdict(self.overload)
        found["failures"] = self.failures
        return found

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_json(), indent=2) + "\n")


def _latency_line(label: str, result: WrkResult) -> str:
    return (
        f"  {label:<20} {result.rps:>8.1f} req/s  p50 {result.p50_ms:>7.1f} ms  p99 {result.p99_ms:>7.1f} ms"
    )


def _failure_line(label: str, result: WrkResult) -> list[str]:
    if not result.failures:
        return []
    return [
        f"{label}: {result.non_2xx} non-2xx, {result.timeouts} timeouts, {result.socket_errors} socket "
        f"errors; first: {result.first_error or '-'}"
    ]


def _recovery_line(found: Overload) -> str:
    if found.recovery_seconds is None:
        return f"  !! not live again {found.recovery_limit:.0f} s after the load stopped"
    flag = "  !!" if found.recovery_seconds > 1 else ""
    return f"  live again {found.recovery_seconds:.1f} s after the load stopped{flag}"


def _probe_line(label: str, probe: ProbeSummary) -> str:
    flag = "  !!" if probe.failures else ""
    return (
        f"    {label:<9} {probe.probes:>4} probes, {probe.ok:>4} ok, p50 {probe.p50_ms:>7.1f} ms, "
        f"p99 {probe.p99_ms:>7.1f} ms, max {probe.max_ms:>7.1f} ms; failed: {probe.timeouts} timeouts, "
        f"{probe.errors} connection errors, {probe.bad_status} non-200{flag}"
    )
