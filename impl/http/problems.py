"""One error hierarchy, rendered one way: RFC 9457 problem+json.

Handlers raise `ProblemError` subclasses; repositories return values or None. The exception
handlers installed by `install_problem_handlers` turn everything else FastAPI and Starlette
raise (validation errors, unknown routes, wrong methods) into the same format.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from impl.db.errors import DatabaseError
from impl.http.validation_messages import describe
from impl.ops.log_throttle import RepeatedFailures

# Expected database failures: one line each, summarised while they repeat (no traceback).
database_failures = RepeatedFailures(logging.getLogger("tasks_api.database"))

PROBLEM_MEDIA_TYPE = "application/problem+json"
BEARER_CHALLENGE = 'Bearer realm="tasks-api"'
MAX_DETAIL_CHARS = 500
# The contract's bounds on `errors` and their pointers: a body with thousands of unknown
# fields, or with a field name of a megabyte, is still one small problem.
MAX_ERRORS = 100
MAX_POINTER = 1000
MAX_POINTER_PART = 200
# RFC 3986 characters a path may carry unencoded (pchar and "/").
PATH_SAFE = "/!$&'()*+,;=:@"


class ProblemError(Exception):
    """The base of every error a handler raises on purpose; rendered as a problem document.
    (The document itself is the contract's `Problem` schema, generated.models.Problem.)"""

    status = 500
    slug = "internal-error"
    title = "Internal Server Error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[Mapping[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Unauthorized"

    def __init__(self, detail: str = "The access token is missing, invalid or expired.") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": BEARER_CHALLENGE})


class InvalidToken(Unauthorized):
    def __init__(self, detail: str = "The access token is missing, invalid or expired.") -> None:
        super().__init__(detail)
        self.headers["WWW-Authenticate"] = f'{BEARER_CHALLENGE}, error="invalid_token"'


class InvalidRefreshToken(Unauthorized):
    slug, title = "invalid-refresh-token", "Invalid refresh token"

    def __init__(self) -> None:
        super().__init__("The refresh token is invalid, expired or revoked.")


class WrongPassword(ProblemError):
    status, slug, title = 403, "wrong-password", "Wrong password"

    def __init__(self, detail: str = "The password is incorrect.") -> None:
        super().__init__(detail)


class RateLimited(ProblemError):
    status, slug, title = 429, "rate-limited", "Too Many Requests"

    def __init__(
        self, *, retry_after: int, policy: str, limit: int, window: int, detail: str | None = None
    ) -> None:
        super().__init__(
            detail or f"Too many attempts; retry in {retry_after} seconds.",
            headers={
                "Retry-After": str(retry_after),
                "RateLimit": f'"{policy}";r=0;t={retry_after}',
                "RateLimit-Policy": f'"{policy}";q={limit};w={window}',
            },
        )


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not Found"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict"


class EmailTaken(Conflict):
    slug, title = "email-taken", "Email already registered"

    def __init__(self) -> None:
        super().__init__("An account with this email already exists.")


class ListNameTaken(Conflict):
    slug, title = "list-name-taken", "List name in use"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Another of your lists is called {_short(repr(name))} (names are compared case-insensitively)."
        )


class NotAcceptable(ProblemError):
    status, slug, title = 406, "not-acceptable", "Not Acceptable"


class PreconditionFailed(ProblemError):
    status, slug, title = 412, "precondition-failed", "Precondition Failed"

    def __init__(
        self,
        detail: str,
        *,
        current_etag: str | None = None,
        errors: Sequence[Mapping[str, str]] | None = None,
    ) -> None:
        super().__init__(detail, errors=errors, headers={"ETag": current_etag} if current_etag else None)


class SyncExpired(ProblemError):
    status, slug, title = 410, "sync-expired", "Full resync required"


class IdempotencyKeyReused(ProblemError):
    status, slug, title = 422, "idempotency-key-reused", "Idempotency-Key reused"

    def __init__(self) -> None:
        detail = "This Idempotency-Key was used for a different request; use a new key for a new request."
        super().__init__(detail, errors=[{"pointer": "/header/Idempotency-Key", "detail": detail}])


class IdempotencyKeyInUse(Conflict):
    slug, title = "idempotency-key-in-use", "Idempotency-Key in use"

    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is still being processed; retry later.")


class PayloadTooLarge(ProblemError):
    status, slug, title = 413, "payload-too-large", "Payload Too Large"


class UnsupportedMediaType(ProblemError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported Media Type"


class ValidationFailed(ProblemError):
    status, slug, title = 422, "validation-error", "Validation failed"

    def __init__(
        self, errors: Sequence[Mapping[str, str]], detail: str | None = None, *, total: int | None = None
    ) -> None:
        """`total`: how many errors there were, when `errors` holds only the first ones."""
        summary = validation_summary(errors, total or len(errors))
        super().__init__(detail or summary, errors=errors[:MAX_ERRORS])


def validation_summary(errors: Sequence[Mapping[str, str]], total: int) -> str:
    if total == 1:
        return _short(f"The request is invalid: {errors[0]['detail']}")
    return f"The request is invalid in {total} places; see errors."


class MethodNotAllowed(ProblemError):
    status, slug, title = 405, "method-not-allowed", "Method Not Allowed"


class ServiceUnavailable(ProblemError):
    """A dependency is down for now: always with Retry-After, so clients back off and retry."""

    status, slug, title = 503, "service-unavailable", "Service Unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int = 1) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class RateLimitingUnavailable(ServiceUnavailable):
    slug, title = "rate-limiting-unavailable", "Rate limiting unavailable"

    def __init__(self) -> None:
        super().__init__("Rate limiting is unavailable; retry shortly.")


# How long a client should wait before retrying after the database failed it.
DATABASE_RETRY_AFTER_SECONDS = 1
DATABASE_PROBLEMS = {
    "database-unavailable": (
        "Database unavailable",
        "The database cannot be reached right now; retry shortly.",
    ),
    "database-timeout": ("Database timeout", "The database did not answer in time; retry shortly."),
    "database-busy": ("Service busy", "Every database connection is in use; retry shortly."),
}


class DatabaseProblem(ServiceUnavailable):
    """An expected database failure (impl/db/errors.py): 503, with Retry-After."""

    def __init__(self, reason: str) -> None:
        title, detail = DATABASE_PROBLEMS[reason]
        super().__init__(detail, retry_after=DATABASE_RETRY_AFTER_SECONDS)
        self.slug, self.title = reason, title


def problem_instance(path: str) -> str:
    """The request path as a URI reference: the decoded path percent-encoded again, so that
    a request for /api/v1/tasks/%C3%AD answers with that, not with a raw "í"."""
    return quote(path, safe=PATH_SAFE)


def problem_body(
    *,
    status: int,
    slug: str,
    title: str,
    detail: str | None,
    instance: str,
    request_id: str | None = None,
    errors: Sequence[Mapping[str, str]] | None = None,
) -> bytes:
    body: dict[str, Any] = {"type": f"urn:tasks-api:problem:{slug}", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = problem_instance(instance)
    if request_id:
        body["request_id"] = request_id
    if errors is not None:
        body["errors"] = [dict(error) for error in errors]
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def problem_response(problem: ProblemError, request: Request) -> Response:
    # The access log and the metrics report the problem type (impl/http/access_log.py).
    request.scope.setdefault("state", {})["problem"] = problem.slug
    body = problem_body(
        status=problem.status,
        slug=problem.slug,
        title=problem.title,
        detail=problem.detail or problem.title,
        instance=request.url.path,
        request_id=request.scope.get("state", {}).get("request_id"),
        errors=problem.errors,
    )
    return Response(body, problem.status, headers=problem.headers, media_type=PROBLEM_MEDIA_TYPE)


def json_pointer(location: Iterable[str | int]) -> str:
    """The pointer to a location; a name longer than the contract's bounds is cut short."""
    parts = [str(part)[:MAX_POINTER_PART].replace("~", "~0").replace("/", "~1") for part in location]
    return ("/" + "/".join(parts))[:MAX_POINTER]


def _short(text: str) -> str:
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 1] + "…"


def _without_union_tags(location: list[str | int], body: Any) -> list[str | int]:
    """pydantic puts the tag of a discriminated union into the error location
    (`operations/3/create/task`); a JSON pointer into the body must not contain it."""
    if location[:1] != ["body"]:
        return location
    kept: list[str | int] = ["body"]
    node = body
    for part in location[1:]:
        if isinstance(node, dict) and part not in node and part in node.values():
            continue  # the tag: the value of the discriminator property
        kept.append(part)
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return kept


def validation_errors(raw_errors: Sequence[Any], body: Any = None) -> list[dict[str, str]]:
    """Field errors with a JSON pointer and a sentence (impl/http/validation_messages.py).
    Never the input: it may be huge or secret."""
    errors = []
    for error in raw_errors[:MAX_ERRORS]:
        location = _without_union_tags(list(error.get("loc", ())), body)
        if error.get("type") == "json_invalid":
            location = location[:1]
            reason = error.get("ctx", {}).get("error", "cannot be parsed")
            message = f"The request body is not valid JSON: {reason}."
        else:
            message = describe(error, location)
        errors.append({"pointer": json_pointer(location), "detail": _short(message)})
    return errors


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem_response(exc, request)


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    raw = exc.errors()
    problem = ValidationFailed(validation_errors(raw, exc.body), total=len(raw))
    return problem_response(problem, request)


HTTP_STATUS_PROBLEMS: dict[int, type[ProblemError]] = {
    401: Unauthorized,
    404: NotFound,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
}


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        allow = ", ".join(request.app.state.allowed_methods(request.url.path))
        not_allowed = MethodNotAllowed(
            f"{request.method} is not supported here; use {allow}.", headers={"Allow": allow}
        )
        return problem_response(not_allowed, request)
    if exc.status_code == 400:
        # Starlette/FastAPI raise 400 for bodies they cannot decode; to clients that is a
        # malformed request body like any other.
        return problem_response(
            ValidationFailed([{"pointer": "/body", "detail": "The request body cannot be parsed."}]),
            request,
        )
    if exc.status_code == 404:
        where = problem_instance(request.url.path)[:MAX_DETAIL_CHARS]
        return problem_response(NotFound(f"There is no resource at {where}."), request)
    problem_type = HTTP_STATUS_PROBLEMS.get(exc.status_code)
    problem: ProblemError
    if problem_type is not None:
        problem = problem_type(_short(str(exc.detail)))
    else:
        problem = ProblemError(_short(str(exc.detail)))
        problem.status, problem.slug, problem.title = exc.status_code, "http-error", "HTTP Error"
    problem.headers.update(exc.headers or {})
    return problem_response(problem, request)


async def _on_database_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DatabaseError)
    database_failures.report(
        exc.reason,
        "%s %s: %s (%s) [request_id=%s]",
        request.method,
        request.url.path,
        exc.reason,
        exc,
        request.scope.get("state", {}).get("request_id"),
    )
    return problem_response(DatabaseProblem(exc.reason), request)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(DatabaseError, _on_database_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
