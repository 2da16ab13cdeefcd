"""The schemathesis schema of each backend's app, loaded from the app's own /openapi.json.

The in-process run is bounded (examples per operation, steps per scenario) so that the
suite stays fast; scripts/contract-check is the long run against a real server."""

from __future__ import annotations

import schemathesis

from tests.contract.apps import backend_app
from tests.contract.auth import register_auth

from . import hooks  # noqa: F401  (registers the hooks)

SEED = 20261128
MAX_EXAMPLES = 25

CONFIG = {
    "seed": SEED,
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
    # Every check schemathesis has: not_a_server_error, status_code_conformance,
    # content_type_conformance, response_headers_conformance, response_schema_conformance,
    # negative_data_rejection, positive_data_acceptance, missing_required_header,
    # unsupported_method, allow_header_conformance, use_after_free,
    # ensure_resource_availability, ignored_auth, object_level_authorization.
    "checks": {"enabled": True},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True}},
    # The event stream never ends by itself (and the in-process transport would wait for it
    # to): tests/events/ tests it against real servers. Its HEAD, the ticket and every JSON
    # operation are tested here.
    "operations": [{"include-operation-id": "streamEvents", "enabled": False}],
}


def contract_schema(backend: str) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict(CONFIG)
    schema = schemathesis.openapi.from_asgi("/openapi.json", backend_app(backend), config=config)
    register_auth(schema)
    return schema
