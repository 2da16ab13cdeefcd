"""HTTP benchmark of tasks-api (issue 8): wrk against the real server, next to a reference floor.

Runs the service as it is deployed (`python -m impl.serve`: uvicorn, ENVIRONMENT=production,
a throwaway PostgreSQL database) and, in the same run, a bare FastAPI app with one `async def`
route that returns a pre-encoded JSON body (scripts/bench/reference_app.py), served by uvicorn
with the same worker count. Each workload is wrk (scripts/bench/wrk/*.lua), -t2 -c32 by
default, after a short unmeasured warm-up. Start it with scripts/bench-http, which installs
wrk and the two virtual environments first:

    scripts/bench-http                          # everything, 1 worker, 15 s per workload
    scripts/bench-http --workers 2 --only floor,list-100
    scripts/bench-http --runs 3 --json bench.json --only list-100,get

How to read the output
----------------------
The header says what was measured: date, commit, worker count, CPUs, Python, PostgreSQL, and
the load average before and after. A load average above the CPU count means something else
(a test suite...) competed for the CPUs: absolute req/s are then low and noisy. The column
that survives noise is `% floor`: the workload's req/s as a share of the reference app's,
measured minutes apart on the same machine. It is what the framework and the machine leave
for the application's own work; a change that moves it by a few points on a 2-CPU machine
is within noise (use --runs 3, which shows medians).

  req/s      completed responses per second, whatever their status.
  p50/p99    latency of those responses in ms, as wrk measures it (a closed loop of
             connections: under saturation p99 is queueing, not service time).
  non-2xx    responses that were not 2xx. Any non-2xx, late answer, socket error, error record
             in the server's log, or (complete) a task completed twice is flagged `!!` on
             the row and its first error body is printed: the row's req/s then measures
             failures, not the work.
  busy N s   the server went on answering slowly for N s after wrk stopped: it was working
             off requests whose clients had gone. Every run waits for the server to answer
             its liveness check promptly again before the next one starts.

Workloads: floor (the reference app), health-live, list-100 (GET /api/v1/tasks?limit=100
of a user with exactly 100 tasks), get, patch, create (one task), batch-20 (20 creates in one
request), complete (each request completes a different open task), login (argon2id:
expect tens per second, not thousands; the login rate limits are raised for the run, not
disabled), list-100-big (list-100 again once 1,000,000 tasks of 1,000 other users are in the
same table: before ANALYZE, with the statistics of the small table, then after it).

Login interference: list-100's p99 alone, then while 8 clients log in without pause; a ratio
far above 1 means password hashing holds up the event loop or the CPUs.

Overload: list-100 with 1,000 connections for 30 s, by status: requests sent, answered (2xx,
503, other), answered only after wrk's --timeout of 10 s (wrk leaves those out of the
latencies and calls them timeouts), and still unanswered when wrk stopped (wrk does not report
these at all; the Lua scripts count what they send). Normally at most one per connection is
unanswered at the end; all of them means the server stalled. Meanwhile a probe opens a fresh
connection every 100 ms for GET /api/v1/health/live with a 5 s budget, as an orchestrator's
liveness check would; its figures are printed beside those of the same probe on the idle
server, with the time the server took to answer it promptly once the load stopped (at most
3 minutes are waited). Timeouts there mean the server stalls under overload and would be
restarted by its orchestrator; a server that sheds load answers the probe promptly and the
excess with 503. The overload runs last, after list-100-big: it can leave the server unable
to answer for minutes.

Processes and logs: the server's and the reference's output go to artifacts/bench-http/.
Every process started is stopped by PID at the end, also on Ctrl-C or failure, and the
database is dropped.
"""

from __future__ import annotations

import resource
import signal
import sys
from types import FrameType

from .options import parse
from .run import run
from .suite import progress

# The overload run holds 1,000 connections: wrk and the server each need a descriptor apiece.
WANTED_FILES = 65_536


def _raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = WANTED_FILES if hard == resource.RLIM_INFINITY else min(WANTED_FILES, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    # SIGTERM and SIGHUP unwind like Ctrl-C, so that servers are stopped and the database dropped.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    _raise_file_limit()
    # Interruptible even where SIGINT came ignored (a background job of a script).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    try:
        report = run(options)
    except KeyboardInterrupt:
        progress("interrupted: servers stopped, database dropped")
        return 130
    print("\n".join(report.lines()))
    if options.json_path is not None:
        report.write_json(options.json_path)
        progress(f"figures written to {options.json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
