"""415 for a body whose media type the operation does not declare in the contract."""

from __future__ import annotations

from fastapi import Request
from fastapi.params import Form
from fastapi.routing import APIRoute

from .errors import UnsupportedMediaType

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def expected_media_type(route: APIRoute) -> str | None:
    if route.body_field is None:
        return None
    return FORM if isinstance(route.body_field.field_info, Form) else JSON


def require_declared_media_type(request: Request) -> None:
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
