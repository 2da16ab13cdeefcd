"""The schemathesis schema of each backend's app, loaded from the app's own /openapi.json."""

from __future__ import annotations

import schemathesis

from .apps import backend_app
from . import hooks  # noqa: F401  (registers the hooks)
from .auth import register_auth


def contract_schema(backend: str) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_asgi("/openapi.json", backend_app(backend))
    register_auth(schema)
    return schema
