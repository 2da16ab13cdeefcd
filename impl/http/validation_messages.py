"""Validation errors in words a frontend developer can act on.

pydantic's messages quote regular expressions ("String should match pattern '^[^\\x00]*$'")
and carry library prefixes ("Value error, ..."). Each error becomes a sentence that names the
field and says what is expected, with an example where one helps; a pattern is described by
what it means (PATTERN_MESSAGES, keyed by the contract's patterns: a test checks that every
pattern of a request has one). The input is never repeated: it may be huge or secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

# What the contract's request patterns mean, as the end of "<field> must ...".
ENTITY_TAGS = 'be one or more entity tags in double quotes, e.g. "3", or *'
TEXT_WITHOUT_CONTROLS = "have at least one character that is not whitespace, and no control characters"
PATTERN_MESSAGES: dict[str, str] = {
    r"^[^\x00]*$": "not contain the NUL character",
    r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$": TEXT_WITHOUT_CONTROLS,
    r'^(\*|(W/)?"[\x21\x23-\x7E]*"([ \t]*,[ \t]*(W/)?"[\x21\x23-\x7E]*")*)$': ENTITY_TAGS,
    r"^[\x21-\x7E]+$": "be printable ASCII without spaces, e.g. a UUID",
    r"^[A-Za-z0-9_.-]+$": "be the next_cursor of the previous page, unchanged",
    r"^[A-Za-z0-9_-]+$": "be a refresh token as the token or refresh endpoint returned it",
    r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]+$": "not contain control characters other than tab and line breaks",
    r"^(red|orange|yellow|green|teal|blue|purple|pink|grey|#[0-9A-Fa-f]{6})$": (
        "be one of red, orange, yellow, green, teal, blue, purple, pink, grey, or a #RRGGBB colour"
    ),
    r"^(inbox|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$": (
        "be a list id (a UUID) or inbox"
    ),
    r"^(none|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$": (
        "be a task id (a UUID) or none"
    ),
    r"^[0-9]{1,18}$": "be the id of an event the stream sent, a whole number, e.g. 42",
    r"^[A-Za-z0-9_-]{20,64}$": "be a ticket as POST /api/v1/events/tickets returned it",
}
# The recurrence grammar is long; it is recognised by its start.
RECURRENCE_PATTERN_START = "^([Rr][Rr][Uu][Ll][Ee]:)?"
RECURRENCE = (
    "be an RFC 5545 recurrence rule such as FREQ=WEEKLY;BYDAY=MO,TH: NAME=VALUE parts separated "
    "by ;, each one of FREQ (HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY), INTERVAL, COUNT, UNTIL "
    "(e.g. 20261231T235959Z), WKST, BYDAY (e.g. MO,TH or -1FR), BYMONTHDAY, BYMONTH, BYHOUR, "
    "BYMINUTE or BYSETPOS, without spaces"
)
DATE_TIME = "be an RFC 3339 date-time with an offset, e.g. 2026-01-15T09:30:00Z"
UUID = "be a UUID, e.g. 3f2b8c1e-2d4a-4e6f-9a8b-7c6d5e4f3a2b"
DATE_TIME_ERRORS = {
    "datetime_type",
    "datetime_parsing",
    "datetime_from_date_parsing",
    "datetime_object_invalid",
    "timezone_aware",
}
QUOTED = re.compile(r"'([^']*)'")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def subject(location: Sequence[str | int]) -> str:
    """How a message names the invalid part: `title`, `tags[2]`, `If-Match`, the body. A
    name from the request (an unknown field) shows its control characters as escapes."""
    parts = list(location[1:])
    if not parts:
        return "The request body" if location[:1] == ["body"] else "The request"
    name = ""
    for part in parts:
        name = f"{name}[{part}]" if isinstance(part, int) else visible(str(part))
    return name


def visible(name: str) -> str:
    return CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", name)


def describe(error: Mapping[str, Any], location: Sequence[str | int]) -> str:
    """One pydantic (or FastAPI) error as a sentence."""
    kind = str(error.get("type", ""))
    context: Mapping[str, Any] = error.get("ctx") or {}
    name = subject(location)
    # A query parameter's own name (`priority` for priority[0]), for the repeat-the-parameter hint.
    parameter = str(location[1]) if len(location) > 1 and location[0] == "query" else None
    must = _expected(kind, context, error, parameter)
    if must is not None:
        return f"{name} must {must}."
    if kind == "missing":
        return f"{name} is required."
    if kind == "extra_forbidden":
        return f"{name} is not a field of this request; remove it."
    if kind == "union_tag_not_found":
        return f"{name} needs its {_discriminator(context)} member."
    return f"{name} is invalid: {_without_prefix(str(error.get('msg', 'invalid value')))}."


SIMPLE = {
    "string_type": "be a string",
    "int_type": "be a whole number",
    "int_parsing": "be a whole number",
    "int_from_float": "be a whole number",
    "bool_type": "be true or false",
    "bool_parsing": "be true or false",
    "list_type": "be a list",
    "model_type": "be a JSON object",
    "dict_type": "be a JSON object",
    "model_attributes_type": "be a JSON object",
    "uuid_type": UUID,
    "uuid_parsing": UUID,
    "json_type": "be JSON",
    **dict.fromkeys(DATE_TIME_ERRORS, DATE_TIME),
}
Context = Mapping[str, Any]
# error type -> what the value must be, from the error's context (and its input, and the
# query parameter it is about, if any).
BUILDERS: dict[str, Any] = {
    "string_pattern_mismatch": lambda c, e, p: pattern_message(str(c.get("pattern", ""))),
    "string_too_short": lambda c, e, p: f"have at least {_count(c.get('min_length'), 'character')}",
    "string_too_long": lambda c, e, p: f"have at most {_count(c.get('max_length'), 'character')}",
    "too_short": lambda c, e, p: f"have at least {_count(c.get('min_length'), 'item')}",
    "too_long": lambda c, e, p: f"have at most {_count(c.get('max_length'), 'item')}",
    "greater_than_equal": lambda c, e, p: f"be at least {c.get('ge')}",
    "greater_than": lambda c, e, p: f"be more than {c.get('gt')}",
    "less_than_equal": lambda c, e, p: f"be at most {c.get('le')}",
    "less_than": lambda c, e, p: f"be less than {c.get('lt')}",
    "literal_error": lambda c, e, p: _one_of(str(c.get("expected", "")), e.get("input"), p),
    "enum": lambda c, e, p: _one_of(str(c.get("expected", "")), e.get("input"), p),
    "union_tag_invalid": lambda c, e, p: f"have {_discriminator(c)} one of {c.get('expected_tags')}",
    "value_error": lambda c, e, p: _value_error(c, e),
}


def _expected(kind: str, context: Context, error: Context, parameter: str | None) -> str | None:
    """What the value must be, for the errors that say so; None for the others."""
    if kind in SIMPLE:
        return SIMPLE[kind]
    builder = BUILDERS.get(kind)
    return builder(context, error, parameter) if builder is not None else None


def _value_error(context: Context, error: Context) -> str | None:
    if "reason" in context:  # email-validator, through pydantic's EmailStr
        return f"be a valid email address ({_without_prefix(str(context['reason']))})"
    message = _without_prefix(str(context.get("error", error.get("msg", ""))))
    if message.startswith("expected an RFC 3339 date-time"):
        return DATE_TIME
    return None


def pattern_message(pattern: str) -> str:
    if pattern.startswith(RECURRENCE_PATTERN_START):
        return RECURRENCE
    return PATTERN_MESSAGES.get(pattern, "use only the characters this field allows (see its description)")


def _one_of(expected: str, given: object, parameter: str | None) -> str:
    choices = QUOTED.findall(expected)
    text = "be one of " + ", ".join(choices) if choices else "be one of the listed values"
    if parameter is not None and isinstance(given, str) and "," in given:
        # ?priority=high,medium: an array parameter is sent by repeating it.
        values = [value for value in given.split(",") if value in choices][:2] or choices[:2]
        return f"{text}; {repeat_hint(parameter, values)}"
    return text


def repeat_hint(name: str, examples: Sequence[str]) -> str:
    """How to send several values of an array parameter."""
    shown = list(examples)[:2] or ["a", "b"]
    if len(shown) == 1:
        shown.append("another")
    return "to send several values, repeat the parameter: ?" + "&".join(f"{name}={value}" for value in shown)


def _discriminator(context: Mapping[str, Any]) -> str:
    return str(context.get("discriminator", "a type")).strip("'")


def _count(number: object, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _without_prefix(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message.rstrip(".")
