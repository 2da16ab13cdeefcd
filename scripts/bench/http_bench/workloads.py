"""What each workload requests: the wrk script, the path, whose token, which task ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Target = Literal["server", "reference"]
# lister: the account with exactly 100 tasks; writer: the account that reads and writes its
# own tasks (so the lister keeps exactly 100); none: no token.
Account = Literal["lister", "writer", "none"]
# rw: the writer's tasks that get and patch cycle through; open: its still-open tasks, read
# afresh before every run so that every complete request completes a different one.
Ids = Literal["rw", "open", "none"]

LIVE_PATH = "/api/v1/health/live"
LIST_PATH = "/api/v1/tasks?limit=100"


@dataclass(frozen=True)
class Workload:
    name: str
    script: str
    path: str
    target: Target = "server"
    account: Account = "none"
    ids: Ids = "none"
    method: str = "GET"
    content_type: str | None = None
    login_body: bool = False


FLOOR = Workload("floor", "static.lua", LIVE_PATH, target="reference")
LIST_100 = Workload("list-100", "static.lua", LIST_PATH, account="lister")
LOGIN = Workload(
    "login",
    "static.lua",
    "/api/v1/auth/token",
    method="POST",
    content_type="application/x-www-form-urlencoded",
    login_body=True,
)
# Measured in this order; list-100-big after the other tasks are inserted, once before ANALYZE
# (the planner's statistics still describe the small table) and once after.
STEADY = (
    FLOOR,
    Workload("health-live", "static.lua", LIVE_PATH),
    LIST_100,
    Workload("get", "task_get.lua", "/api/v1/tasks", account="writer", ids="rw"),
    Workload("patch", "task_patch.lua", "/api/v1/tasks", account="writer", ids="rw"),
    Workload("create", "task_create.lua", "/api/v1/tasks", account="writer"),
    Workload("batch-20", "task_batch.lua", "/api/v1/tasks/batch", account="writer"),
    Workload("complete", "task_complete.lua", "/api/v1/tasks", account="writer", ids="open"),
    LOGIN,
)
# list-100 with every request counted as it is sent (see scripts/bench/wrk/overload.lua).
OVERLOAD = Workload("overload", "overload.lua", LIST_PATH, account="lister")
LIST_100_BIG_STALE = Workload("list-100-big (before ANALYZE)", "static.lua", LIST_PATH, account="lister")
LIST_100_BIG = Workload("list-100-big", "static.lua", LIST_PATH, account="lister")

# What --only accepts (the floor runs whatever it says: every other figure is relative to it).
SELECTABLE = (
    *(workload.name for workload in STEADY),
    "login-interference",
    "overload",
    "list-100-big",
)
