"""One error shape for every 4xx/5xx: {"error": {"code", "message", "field"?, "request_id"?}}."""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    SerializationException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from server.i18n import message, negotiate

log = logging.getLogger("fieldkeep.errors")


class AppError(Exception):
    """A refusal the client can act on: a stable code, an HTTP status and message parameters."""

    def __init__(
        self,
        code: str,
        status: int = 400,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.field = field
        self.headers = headers or {}
        self.extra = extra  # more members of the error object, e.g. row-level errors
        self.params = params


def error_response(
    request: Request[Any, Any, Any],
    code: str,
    status: int,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    **params: Any,
) -> Response[Any]:
    body: dict[str, Any] = {
        "code": code,
        "message": message(
            code, negotiate(request.headers.get("accept-language")), field=field, **params
        ),
    }
    if field is not None:
        body["field"] = field
    if extra:
        body.update(extra)
    return Response({"error": body}, status_code=status, headers=headers)


def field_of(message: str, key: str = "") -> tuple[str, str]:
    """The bad field a msgspec validation message names, and the reason without the path: the
    path in "at `$.data.x`", else the name in "missing required field `x`" / "unknown field
    `x`", else `key`."""
    at = re.search(r" - at `\$\.?(?:data\.?)?([^`]*)`", message)
    named = re.search(r"field `([^`]+)`", message)
    if at:
        path, message = at.group(1), message[: at.start()]
        if named:
            return (f"{path}.{named.group(1)}" if path else named.group(1)), message
        return path or key, message
    if key in ("", "data") and named:
        return named.group(1), message
    return ("" if key == "data" else key), message


def _validation_field(exc: ValidationException) -> tuple[str, str]:
    """The first bad field Litestar names, with msgspec's reason; "body" when the body as a
    whole is wrong (not an object)."""
    whole = ""
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            field, detail = field_of(str(item.get("message", "")), str(item.get("key") or ""))
            if field:
                return field, detail
            if item.get("key") == "data":
                whole = detail
    return ("body", whole) if whole else ("", str(exc.detail))


def _body_limit(request: Request[Any, Any, Any]) -> str:
    limit: object
    try:
        limit = request.route_handler.resolve_request_max_body_size()
    except Exception:  # no route resolved: the app-wide limit applies
        limit = request.app.request_max_body_size
    if not isinstance(limit, int):
        limit = 0
    return f"{limit // 1024} KB" if limit < 1_048_576 else f"{limit // 1_048_576} MB"


def handle_app_error(request: Request[Any, Any, Any], exc: AppError) -> Response[Any]:
    return error_response(
        request,
        exc.code,
        exc.status,
        field=exc.field,
        headers=exc.headers,
        extra=exc.extra,
        **exc.params,
    )


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        field, detail = _validation_field(exc)
        if field:
            return error_response(request, "validation_error", 400, field=field, detail=detail)
        if "JSON" in str(exc.detail) or "decode" in str(exc.detail).lower():
            return error_response(request, "malformed_json", 400)
        return error_response(request, "bad_request", 400)
    if isinstance(exc.__cause__, SerializationException):  # a body that is not JSON
        return error_response(request, "malformed_json", 400)
    if isinstance(exc, NotAuthorizedException):
        return error_response(request, "not_authenticated", 401)
    if isinstance(exc, PermissionDeniedException):
        return error_response(request, "forbidden", 403)
    if isinstance(exc, NotFoundException):
        return error_response(request, "not_found", 404)
    if isinstance(exc, MethodNotAllowedException):
        return error_response(request, "method_not_allowed", 405, headers=exc.headers)
    if status == 413:
        return error_response(request, "payload_too_large", 413, limit=_body_limit(request))
    if status == 415:
        return error_response(request, "unsupported_media_type", 415)
    if status == 503:
        return error_response(request, "service_unavailable", 503)
    if 400 <= status < 500:
        return error_response(request, "bad_request", status)
    return handle_internal_error(request, exc)


def handle_unstorable_text(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """PostgreSQL stores no NUL character in text (a sent "\u0000"): the client's value, so a
    400, not a 500. Sync pushes refuse such a mutation before it is written (sync/_engine.py)."""
    return error_response(
        request, "validation_error", 400, field="text", detail="NUL (U+0000) is not allowed"
    )


def handle_internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    request_id = secrets.token_hex(6)
    log.error(
        "unhandled error %s on %s %s",
        request_id,
        request.method,
        request.url.path,
        exc_info=exc,
    )
    return error_response(
        request,
        "internal_error",
        HTTP_500_INTERNAL_SERVER_ERROR,
        request_id=request_id,
        extra={"request_id": request_id},
    )


EXCEPTION_HANDLERS = {
    AppError: handle_app_error,
    HTTPException: handle_http_exception,
    asyncpg.exceptions.UntranslatableCharacterError: handle_unstorable_text,
    asyncpg.exceptions.CharacterNotInRepertoireError: handle_unstorable_text,
    Exception: handle_internal_error,
}
