"""A literal path wins over a template for every method, not only for the ones it defines.

`/api/v1/tasks/batch` also matches `/api/v1/tasks/{task_id}`: without these routes, PUT
/api/v1/tasks/batch would reach replaceTask and fail as a malformed id (422), instead of being
refused as a method that the path does not define (405, Allow: POST).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route

from impl.http.allowed_methods import HTTP_METHODS


def _methods(item: dict[str, Any]) -> set[str]:
    return {method.upper() for method in item if method in HTTP_METHODS}


async def _not_allowed(_request: Request) -> None:
    raise HTTPException(status_code=405)  # rendered with the path's Allow list (impl/http/problems.py)


def shadowing_routes(contract: dict[str, Any]) -> list[Route]:
    """For each literal path that a template path also matches, a route answering 405 for the
    template's methods that the literal path does not define. They go before the contract's
    routes."""
    routes = []
    paths: dict[str, Any] = contract["paths"]
    templates = [
        (re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"), item)
        for path, item in paths.items()
        if "{" in path
    ]
    for path, item in paths.items():
        if "{" in path:
            continue
        shadowed = set()
        for pattern, template_item in templates:
            if pattern.match(path):
                shadowed |= _methods(template_item) - _methods(item)
        if shadowed:
            routes.append(Route(path, _not_allowed, methods=sorted(shadowed), include_in_schema=False))
    return routes
