"""415 for a body whose media type the operation does not declare in the contract, and 406
for an Accept header that rules out the JSON every operation with a body answers in.

Both are `async def`, though they do no I/O: FastAPI runs a plain `def` dependency on a worker
thread, a hop per request that the event loop does not need."""

from __future__ import annotations

from fastapi import Request
from fastapi.params import Form
from fastapi.routing import APIRoute

from impl.http.problems import NotAcceptable, UnsupportedMediaType
from impl.http.query_parameters import refuse_unknown_query_parameters

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Media ranges that admit application/json or application/problem+json.
JSON_RANGES = {"*/*", "application/*", JSON, "application/problem+json"}


def expected_media_type(route: APIRoute) -> str | None:
    if route.body_field is None:
        return None
    return FORM if isinstance(route.body_field.field_info, Form) else JSON


async def require_declared_media_type(request: Request) -> None:
    route = request.scope.get("route")
    expected = expected_media_type(route) if isinstance(route, APIRoute) else None
    if expected is None:
        return
    content_type = request.headers.get("content-type")
    if content_type is None:
        has_body = request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers
        if has_body:
            raise UnsupportedMediaType(f"Send the body as {expected} with a Content-Type header.")
        return  # no body at all: validation reports the missing fields
    media_type = content_type.split(";")[0].strip().lower()
    if media_type != expected:
        shown = media_type[:100] or "an empty media type"
        raise UnsupportedMediaType(f"This operation accepts {expected}, not {shown}.")


EVENT_STREAM = "text/event-stream"
# Media ranges that admit an event stream (or a problem document about it).
EVENT_STREAM_RANGES = {"*/*", "text/*", EVENT_STREAM, "application/problem+json"}


def accepts_json(accept: str, ranges: set[str] = JSON_RANGES) -> bool:
    """Whether some media range in an Accept header, with a non-zero weight, admits JSON
    (or another of `ranges`)."""
    for media_range in accept.split(","):
        media_type, *parameters = (part.strip().lower() for part in media_range.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if weight > 0 and media_type in ranges:
            return True
    return False


async def require_acceptable_response(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.status_code == 204:
        return  # nothing to negotiate: no content
    accept = request.headers.get("accept", "").strip()
    if getattr(route.response_class, "media_type", None) == EVENT_STREAM:
        if accept and not accepts_json(accept, EVENT_STREAM_RANGES):
            raise NotAcceptable(
                f"This operation answers {EVENT_STREAM}; the Accept header allows only {accept[:100]}."
            )
        return
    if accept and not accepts_json(accept):
        raise NotAcceptable(f"This operation answers {JSON}; the Accept header allows only {accept[:100]}.")


async def negotiate(request: Request) -> None:
    """The checks every operation makes, as its one dependency (each dependency costs FastAPI
    some work per request): the response's media type, the body's, the query's parameters."""
    await require_acceptable_response(request)
    await require_declared_media_type(request)
    await refuse_unknown_query_parameters(request)
