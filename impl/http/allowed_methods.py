"""The Allow header of a 405: every method the contract defines for the requested path, and
HEAD wherever there is a GET (the contract declares it; impl/http/head_requests.py answers it
for the few routes outside the contract)."""

from __future__ import annotations

import re
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Routes outside the contract (/openapi.json, /docs, /redoc) are Starlette GET routes.
NON_CONTRACT_METHODS = ["GET", "HEAD"]


class AllowedMethods:
    def __init__(self, contract: dict[str, Any]) -> None:
        self._paths = []
        for template, item in contract["paths"].items():
            pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            declared = {method.upper() for method in item if method in HTTP_METHODS}
            self._paths.append((re.compile(f"^{pattern}$"), declared))

    def _declared(self, path: str) -> set[str] | None:
        for pattern, methods in self._paths:
            if pattern.match(path):
                return methods
        return None

    def __call__(self, path: str) -> list[str]:
        declared = self._declared(path)
        if declared is None:
            return NON_CONTRACT_METHODS
        return sorted(declared | {"HEAD"} if "GET" in declared else declared)

    def routes_head(self, path: str) -> bool:
        """Whether the contract declares HEAD for the path, so that a generated route serves it."""
        declared = self._declared(path)
        return declared is not None and "HEAD" in declared
