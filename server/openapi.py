"""What the OpenAPI schema says beyond the handlers' signatures: the one error shape
(server/errors.py) on the refusals each route can answer, and the range of a record id."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar.constants import RESERVED_KWARGS
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import Parameter
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

# Every table's id is a 32-bit integer on PostgreSQL (serial): a larger id names no record, and
# is refused as a bad parameter before the database is asked.
MAX_ID = 2**31 - 1
Id = Annotated[int, Parameter(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, Parameter(ge=1, le=MAX_ID)]  # `Id | None` loses the range

# The files we answer with. Litestar adds "; charset=utf-8" to text/ types itself.
CSV = "text/csv"
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JPEG = "image/jpeg"
_BINARY = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)


class ErrorDetail(msgspec.Struct):
    code: str
    message: str
    field: str | None = None
    request_id: str | None = None
    # Row-level errors of an import (csv_invalid).
    errors: list[dict[str, Any]] | None = None


class ErrorBody(msgspec.Struct):
    error: ErrorDetail


_WHY = {
    400: "Bad request: a parameter or the body is invalid (`field` names it)",
    401: "Not signed in, or the session ended",
    403: "Not allowed for this user's roles, or the CSRF token is missing or wrong",
    404: "No such record, or not in the user's sites",
    409: "Conflicts with the current state",
    413: "The body is too large",
    415: "Unsupported content type",
    422: "Understood but refused by a rule",
    429: "Too many attempts: wait `Retry-After` seconds",
    503: "Not available right now",
}


def refusals(*statuses: int) -> dict[int, ResponseSpec]:
    """The error answers a route adds to those every route of its shape has (see
    `ErrorResponses`): `@post(..., responses=refusals(409))`."""
    return {
        status: ResponseSpec(ErrorBody, description=_WHY[status], generate_examples=False)
        for status in statuses
    }


def files(
    *, answers: tuple[str, ...] = (), body: tuple[str, ...] = (), json: bool = True
) -> type[Operation]:
    """An `operation_class` for a route whose 200 answer also comes as these files (the JSON
    one, unless `json` is false, is its return annotation's), or that reads a raw body of these
    types itself: `@get(..., operation_class=files(answers=(CSV, PDF)))`."""

    @dataclass
    class FileOperation(Operation):
        def __post_init__(self) -> None:
            ok = (self.responses or {}).get("200")
            if answers and isinstance(ok, OpenAPIResponse):
                content = {k: v for k, v in (ok.content or {}).items() if json and "json" in k}
                for media_type in answers:
                    content[media_type] = OpenAPIMediaType(schema=_BINARY)
                ok.content = content
            if body:
                self.request_body = RequestBody(
                    content={t: OpenAPIMediaType(schema=_BINARY) for t in body}, required=True
                )

    return FileOperation


def _shape_statuses(route: HTTPRoute, handler: HTTPRouteHandler) -> set[int]:
    statuses: set[int] = set()
    if handler.http_methods - {"GET", "HEAD", "OPTIONS"}:
        statuses |= {400, 403, 413}  # a body to check, the CSRF token, the size limit
    dependencies = handler.resolve_dependencies()
    own = set(handler.parsed_fn_signature.parameters) - RESERVED_KWARGS - set(dependencies)
    if own or route.path_parameters:
        statuses.add(400)
    if route.path_parameters or any(name.endswith("_id") for name in own):
        statuses.add(404)  # names a record that may not exist (or not in the user's sites)
    if handler.resolve_guards():
        statuses |= {401, 403}
    return statuses


class ErrorResponses(ReceiveRoutePlugin):
    """Documents the error shape on every route, for the statuses a route of its shape can
    answer, beside the ones its decorator names with `refusals(...)`."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            own: Mapping[int, ResponseSpec] = handler.responses or {}
            handler.responses = {**refusals(*sorted(_shape_statuses(route, handler))), **own}
