"""The Allow header of a 405: every method the contract defines for the requested path, and
HEAD wherever there is a GET (impl/http/head_requests.py answers it)."""

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
            methods = {method.upper() for method in item if method in HTTP_METHODS}
            if "GET" in methods:
                methods.add("HEAD")
            self._paths.append((re.compile(f"^{pattern}$"), sorted(methods)))

    def __call__(self, path: str) -> list[str]:
        for pattern, methods in self._paths:
            if pattern.match(path):
                return methods
        return NON_CONTRACT_METHODS
