"""Query parameters an operation does not declare are refused (422), not ignored.

Ignoring them turns a client's mistake into wrong data: axios sends `priority[]=high` by
default, and `?page=2` or `?offset=20` look like paging; without this check each of them
returns the unfiltered first page. The declared names come from the contract; the error names
the parameter and, for `name[]`, says how arrays are sent here (repeat the parameter).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute

from impl.http.problems import ValidationFailed, json_pointer
from impl.http.validation_messages import repeat_hint, visible

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head")
OFFSET_PAGING = {"page", "offset", "skip", "per_page", "page_size", "start"}
MAX_NAME = 100


@dataclass(frozen=True)
class DeclaredQuery:
    names: frozenset[str]
    # Array parameters -> example values, for the repeat-the-parameter hint.
    arrays: dict[str, list[str]]


def _resolve(contract: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = contract
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _examples(contract: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    for example in schema.get("examples", []):
        if isinstance(example, list) and example:
            return [str(value) for value in example]
    items = _resolve(contract, schema.get("items", {}))
    return [str(value) for value in items.get("enum", [])[:2]]


def declared_query_parameters(contract: dict[str, Any]) -> dict[tuple[str, str], DeclaredQuery]:
    """(path template, METHOD) -> the operation's query parameters."""
    declared = {}
    for path, item in contract["paths"].items():
        for method in HTTP_METHODS:
            if method not in item:
                continue
            names, arrays = set(), {}
            for raw in [*item.get("parameters", []), *item[method].get("parameters", [])]:
                parameter = _resolve(contract, raw)
                if parameter["in"] != "query":
                    continue
                names.add(parameter["name"])
                schema = _resolve(contract, parameter.get("schema", {}))
                if schema.get("type") == "array":
                    arrays[parameter["name"]] = _examples(contract, schema)
            declared[(path, method.upper())] = DeclaredQuery(frozenset(names), arrays)
    return declared


def unknown_parameter_errors(given: Iterable[str], declared: DeclaredQuery) -> list[dict[str, str]]:
    errors = []
    for given_name in dict.fromkeys(given):
        if given_name in declared.names:
            continue
        name = given_name[:MAX_NAME]
        detail = f"{visible(name)} is not a parameter of this operation"
        base = name.removesuffix("[]")
        if base != name and base in declared.arrays:
            detail += f"; {repeat_hint(base, declared.arrays[base])}"
        elif name.lower() in OFFSET_PAGING and "cursor" in declared.names:
            detail += "; pages are reached with cursor=<the next_cursor of the previous page>"
        elif declared.names:
            detail += f"; it takes {', '.join(sorted(declared.names))}"
        else:
            detail += "; it takes no query parameters"
        errors.append({"pointer": json_pointer(["query", name]), "detail": detail + "."})
    return errors


async def refuse_unknown_query_parameters(request: Request) -> None:
    """An app-wide dependency (async: no thread hop)."""
    if not request.scope.get("query_string"):
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    declared = request.app.state.declared_query.get((route.path, request.method))
    if declared is None:
        return  # not a contract operation (the docs)
    errors = unknown_parameter_errors(request.query_params.keys(), declared)
    if errors:
        raise ValidationFailed(errors)
