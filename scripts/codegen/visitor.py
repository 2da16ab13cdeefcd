"""Custom fastapi-code-generator visitor: turns the contract into per-tag route specs.

The stock templates render route bodies as `pass`. This visitor gives our templates what
they need to emit, per tag, an abstract handler interface and a router factory that
delegates every operation to a hand-written implementation. Parameters are declared from
the raw contract (not the generator's argument strings), so every constraint, default and
alias in openapi.yaml reaches FastAPI.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from fastapi_code_generator.parser import OpenAPIParser

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
JSON_MEDIA_TYPE = "application/json"
EVENT_STREAM_MEDIA_TYPE = "text/event-stream"

# JSON Schema keyword -> FastAPI Query/Path/Header keyword argument.
CONSTRAINTS = {
    "minimum": "ge",
    "maximum": "le",
    "exclusiveMinimum": "gt",
    "exclusiveMaximum": "lt",
    "minLength": "min_length",
    "maxLength": "max_length",
    "pattern": "pattern",
    "minItems": "min_length",
    "maxItems": "max_length",
}
# date-time: the generated RFC3339DateTime (generated/datetimes.py) refuses the numbers and
# numeric strings that pydantic's AwareDatetime would take as Unix timestamps.
STRING_FORMATS = {"uuid": "UUID", "date-time": "RFC3339DateTime", "date": "date"}
# Item constraints of array parameters -> pydantic StringConstraints keyword arguments.
ITEM_CONSTRAINTS = {"minLength": "min_length", "maxLength": "max_length", "pattern": "pattern"}
# Responses besides the one 2xx that a handler may answer with a bare Response.
BODILESS_ALTERNATIVES = {304}
SCALARS = {"integer": "int", "number": "float", "boolean": "bool", "string": "str"}


def snake(name: str) -> str:
    name = re.sub(r"[^0-9A-Za-z]+", "_", name)
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return name.strip("_").lower()


def pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake(name).split("_"))


@dataclass
class Param:
    name: str  # Python name
    annotation: str  # the plain type, used by the handler interface
    declaration: str  # the FastAPI parameter, used by the router
    required: bool


@dataclass
class Route:
    operation_id: str
    method_name: str
    http_method: str
    path: str
    summary: str
    status_code: int
    response_model: str
    # The handler's return type: the response model or a ready Response (a 304, or JSON
    # serialised once from the database's rows).
    return_type: str
    responses: dict[int, tuple[str, str]]  # status -> (model, description)
    # The security schemes of the operation's requirements, any one of which is enough.
    security: list[str]
    params: list[Param] = field(default_factory=list)
    request_media_type: str | None = None
    # The response class when it is not FastAPI's JSON default: `Response` for a success
    # without content (no Content-Type on a 204), `HeadResponse` for HEAD.
    response_class: str | None = None
    # HEAD: the GET of the same path, whose handler method answers it (RFC 9110 §9.3.2).
    head_of: str | None = None

    @property
    def handler_method(self) -> str:
        return self.head_of or self.method_name


def bodiless_alternatives(operation_id: str, responses: dict[int, Any]) -> list[int]:
    """The operation's 3xx responses: only a 304 without a body is supported."""
    alternatives = sorted(code for code in responses if 300 <= code < 400)
    if set(alternatives) - BODILESS_ALTERNATIVES:
        raise SystemExit(f"{operation_id}: of the 3xx responses only 304 is supported")
    if any(responses[code].get("content") for code in alternatives):
        raise SystemExit(f"{operation_id}: a 304 response has no body")
    return alternatives


class Contract:
    def __init__(self, parser: OpenAPIParser) -> None:
        self.raw: dict[str, Any] = parser.raw_obj
        self.parser = parser

    def resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.raw
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def enum_aliases(self) -> dict[str, str]:
        """The contract's named enum schemas (Priority, TaskSort...) as Literal type aliases,
        for generated/types.py: handler interfaces use them by name."""
        schemas = self.raw.get("components", {}).get("schemas", {})
        return {
            name: "Literal[" + ", ".join(repr(value) for value in schema["enum"]) + "]"
            for name, schema in sorted(schemas.items())
            if isinstance(schema, dict) and "enum" in schema
        }

    def type_of(self, schema: dict[str, Any]) -> str:
        reference = schema.get("$ref", "") if isinstance(schema, dict) else ""
        if reference.startswith("#/components/schemas/"):
            name = reference.rsplit("/", 1)[-1]
            if name in self.enum_aliases():
                return name
        schema = self.resolve(schema)
        if "const" in schema:
            return f"Literal[{schema['const']!r}]"
        if "enum" in schema:
            return "Literal[" + ", ".join(repr(v) for v in schema["enum"]) + "]"
        kinds = schema.get("type", "string")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        names = []
        for kind in kinds:
            if kind == "null":
                continue
            if kind == "array":
                names.append(f"list[{self.type_of(schema.get('items', {}))}]")
            elif kind == "string" and schema.get("format") in STRING_FORMATS:
                names.append(STRING_FORMATS[schema["format"]])
            else:
                names.append(SCALARS[kind])
        if "null" in kinds:
            names.append("None")
        return " | ".join(names)

    def param(self, raw_param: dict[str, Any]) -> Param:
        spec = self.resolve(raw_param)
        schema = self.resolve(spec.get("schema", {}))
        location = spec["in"]
        required = bool(spec.get("required")) or location == "path"
        name = snake(spec["name"])
        plain = self.type_of(spec.get("schema", {}))
        declared = plain
        item_schema = self.resolve(schema.get("items", {})) if schema.get("type") == "array" else {}
        item_constraints = [
            f"{argument}={item_schema[keyword]!r}"
            for keyword, argument in ITEM_CONSTRAINTS.items()
            if keyword in item_schema
        ]
        if item_constraints:
            if item_schema.get("type") != "string" or schema.get("type") != "array":
                raise SystemExit(f"{spec['name']}: item constraints are supported on arrays of strings")
            declared = f"list[Annotated[str, StringConstraints({', '.join(item_constraints)})]]"
        kwargs = [f"alias={spec['name']!r}"]
        for keyword, argument in CONSTRAINTS.items():
            if keyword in schema:
                kwargs.append(f"{argument}={schema[keyword]!r}")
        if spec.get("description"):
            kwargs.append(f"description={spec['description'].strip()!r}")
        marker = location.capitalize()
        if required:
            declaration = f"{name}: Annotated[{declared}, {marker}({', '.join(kwargs)})]"
        else:
            # Absent is not null: the declared type stays non-nullable (so FastAPI's schema
            # matches the contract) while the handler sees None for an absent parameter.
            default = repr(schema.get("default"))
            declaration = f"{name}: Annotated[{declared}, {marker}({', '.join(kwargs)})] = {default}"
            plain = plain if "default" in schema else f"{plain} | None"
        return Param(name=name, annotation=plain, declaration=declaration, required=required)

    def routes(self) -> dict[str, list[Route]]:
        by_tag: dict[str, list[Route]] = {}
        default_security = self.raw.get("security", [])
        for path, item in self.raw["paths"].items():
            shared = item.get("parameters", [])
            routes: dict[str, Route] = {}
            for http_method in HTTP_METHODS:
                if http_method not in item:
                    continue
                operation = item[http_method]
                parsed = self.parser.operations[f"#/paths/{path.lstrip('/')}/{http_method}"]
                route = self.route(
                    path=path,
                    http_method=http_method,
                    operation=operation,
                    shared=shared,
                    parsed=parsed,
                    default_security=default_security,
                )
                routes[http_method] = route
                by_tag.setdefault(operation["tags"][0], []).append(route)
            if "head" in routes:
                head_of_get(routes["head"], routes.get("get"))
        return by_tag

    def route(
        self,
        *,
        path: str,
        http_method: str,
        operation: dict[str, Any],
        shared: list[Any],
        parsed: Any,
        default_security: list[Any],
    ) -> Route:
        responses = {int(code): self.resolve(body) for code, body in operation["responses"].items()}
        success = sorted(code for code in responses if 200 <= code < 300)
        if len(success) != 1:
            raise SystemExit(f"{operation['operationId']}: exactly one 2xx response is supported")
        status_code = success[0]
        bodiless_alternatives(operation["operationId"], responses)  # only checks the 3xx responses
        extra: dict[int, tuple[str, str]] = {}
        for code, response in sorted(responses.items()):
            if code == status_code:
                continue
            model = "None"
            for media in response.get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                model = ref.rsplit("/", 1)[-1] if ref else "None"
            extra[code] = (model, " ".join(response["description"].split()))
        requirements = operation.get("security", default_security)
        security = security_scheme_names(operation["operationId"], requirements)
        params_by_key = {}
        for raw_param in [*shared, *operation.get("parameters", [])]:
            spec = self.resolve(raw_param)
            params_by_key[(spec["in"], spec["name"])] = raw_param
        params = [self.param(raw) for raw in params_by_key.values()]
        media_type = None
        body = operation.get("requestBody")
        if body:
            body = self.resolve(body)
            media_types = list(body["content"])
            if len(media_types) != 1:
                raise SystemExit(f"{operation['operationId']}: one request media type is supported")
            media_type = media_types[0]
            model = next((a.type_hint for a in parsed.arguments_list if a.name == "body"), None)
            if media_type == FORM_MEDIA_TYPE:
                ref = body["content"][media_type]["schema"]["$ref"]
                model = ref.rsplit("/", 1)[-1]
                declaration = f"body: Annotated[{model}, Form()]"
            elif media_type == JSON_MEDIA_TYPE and model:
                declaration = f"body: Annotated[{model}, Body()]"
            else:
                raise SystemExit(f"{operation['operationId']}: unsupported media type {media_type}")
            if not body.get("required"):
                raise SystemExit(f"{operation['operationId']}: optional request bodies are not supported")
            params.append(Param("body", model, declaration, True))
        response_model, response_class = success_response(
            operation["operationId"], responses[status_code].get("content", {}), parsed.response
        )
        return Route(
            operation_id=operation["operationId"],
            method_name=snake(operation["operationId"]),
            http_method=http_method,
            path=path,
            summary=operation["summary"],
            status_code=status_code,
            response_model=response_model,
            # A handler may always answer with a ready Response (e.g. JSON serialised once).
            return_type="Response"
            if response_class == "EventStreamResponse"
            else response_model + " | Response",
            responses=extra,
            security=security,
            params=sorted(params, key=lambda p: not p.required),
            request_media_type=media_type,
            response_class=response_class,
        )


def success_response(operation_id: str, content: dict[str, Any], model: str | None) -> tuple[str, str | None]:
    """The success's response model and response class (None: FastAPI's JSON default;
    `Response` for a success without content)."""
    if EVENT_STREAM_MEDIA_TYPE in content:
        # A stream of Server-Sent Events: the handler answers with a streaming Response;
        # FastAPI documents the route as text/event-stream, without a JSON model.
        if len(content) != 1:
            raise SystemExit(f"{operation_id}: an event stream is the only success media type")
        return "None", "EventStreamResponse"
    return model or "None", None if content else "Response"


def security_scheme_names(operation_id: str, requirements: list[dict[str, list[str]]]) -> list[str]:
    """The schemes of the requirements, each of which must name one scheme without scopes:
    alternatives (any one is enough), which is all FastAPI's Security() dependencies express."""
    names = []
    for requirement in requirements:
        if len(requirement) > 1 or any(requirement.values()):
            raise SystemExit(f"{operation_id}: a security requirement names one scheme, without scopes")
        names.extend(name for name in requirement if name not in names)
    return names


def head_of_get(head: Route, get: Route | None) -> None:
    """HEAD is answered by the GET of the same path with the same parameters: the handler
    interface gets no method for it, and the body is dropped (HeadResponse, and the server)."""
    if get is None:
        raise SystemExit(f"{head.operation_id}: a HEAD operation needs a GET on {head.path}")
    if [(p.name, p.annotation) for p in head.params] != [(p.name, p.annotation) for p in get.params]:
        raise SystemExit(f"{head.operation_id}: HEAD takes exactly the parameters of {get.operation_id}")
    if head.status_code != get.status_code or head.response_class != "Response":
        raise SystemExit(f"{head.operation_id}: HEAD answers {get.status_code}, without content")
    if head.security != get.security:
        raise SystemExit(f"{head.operation_id}: HEAD has the security of {get.operation_id}")
    head.head_of = get.method_name
    head.response_model = get.response_model
    head.return_type = get.return_type
    head.response_class = "HeadResponse"


def security_schemes(raw: dict[str, Any]) -> list[dict[str, str | None]]:
    """The contract's security schemes, as security.jinja2 declares them for FastAPI."""
    schemes = []
    for name, scheme in raw.get("components", {}).get("securitySchemes", {}).items():
        description = " ".join(scheme.get("description", "").split())
        if scheme.get("type") == "oauth2" and set(scheme.get("flows", {})) == {"password"}:
            flow = scheme["flows"]["password"]
            schemes.append(
                {
                    "name": name,
                    "kind": "oauth2_password",
                    "token_url": flow["tokenUrl"],
                    "refresh_url": flow.get("refreshUrl"),
                    "description": description,
                }
            )
        elif scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer":
            schemes.append(
                {
                    "name": name,
                    "kind": "http_bearer",
                    "bearer_format": scheme.get("bearerFormat"),
                    "description": description,
                }
            )
        else:
            raise SystemExit(f"security scheme {name}: an OAuth2 password flow or HTTP bearer is supported")
    return schemes


def visit(parser: OpenAPIParser, model_path: Path) -> dict[str, object]:
    contract = Contract(parser)
    # The document served as /openapi.json: openapi.yaml itself, as JSON.
    document = json.dumps(yaml.safe_load(str(parser.source)), ensure_ascii=False, separators=(",", ":"))
    routes = contract.routes()
    models = {
        tag: sorted(
            (
                {r.response_model for r in tag_routes}
                | {model for r in tag_routes for model, _ in r.responses.values()}
                | {p.annotation for r in tag_routes for p in r.params if p.name == "body"}
            )
            - {"None"}
        )
        for tag, tag_routes in routes.items()
    }
    aliases = contract.enum_aliases()
    word = re.compile(r"\w+")
    return {
        "contract_document": document,
        "contract_aliases": aliases,
        "contract_aliases_used": {
            tag: sorted(
                {
                    token
                    for route in tag_routes
                    for param in route.params
                    for token in word.findall(param.annotation + " " + param.declaration)
                    if token in aliases
                }
            )
            for tag, tag_routes in routes.items()
        },
        "contract_routes": routes,
        "contract_models": models,
        "contract_tags": sorted(routes),
        "contract_schemes": security_schemes(contract.raw),
        "contract_scheme_names": {
            tag: sorted({name for route in tag_routes for name in route.security})
            for tag, tag_routes in routes.items()
        },
        "pascal": pascal,
        "py": repr,
        "snake": snake,
    }
