"""How every ``/cgi-bin`` endpoint runs: rate limits, access token, app kind, errcodes.

An endpoint is ``async def handler(call: Call) -> dict`` declared with ``@endpoint(kind)``;
what it returns is merged into ``{"errcode": 0, "errmsg": "ok"}``. Parameters come from
the query string and, for POST, the JSON body (the body wins). Every failure is answered
in Exmail's shape with HTTP 200: an ``ApiError`` as is, an ``AdminError`` from a mailcore
service through ``translate``, anything unexpected as -1 (logged).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.openapi.errcodes import ApiError, Errcode, invalid
from mailcore.admin.errors import AdminError, AdminErrorCode
from mailcore.admin.scope import AdminScope
from mailcore.core.config import Settings
from mailcore.core.events import Bus
from mailcore.core.models import AppKind
from mailcore.logs.errors import LogError
from mailcore.openapi.errors import OpenApiError, OpenApiErrorCode
from mailcore.openapi.ratelimit import RedisBuckets, SharedRateLimiter, uses_redis
from mailcore.openapi.tokens import AppAccess, authenticate, rest_scope

log = logging.getLogger(__name__)

MAX_LIST = 5000
MAX_TEXT = 2000

TOKEN_ERRORS = {
    OpenApiErrorCode.UNKNOWN_APP: Errcode.INVALID_CORPID,
    OpenApiErrorCode.INVALID_CREDENTIAL: Errcode.INVALID_CREDENTIAL,
    OpenApiErrorCode.INVALID_TOKEN: Errcode.INVALID_TOKEN,
    OpenApiErrorCode.TOKEN_EXPIRED: Errcode.TOKEN_EXPIRED,
    OpenApiErrorCode.INVALID_TICKET: Errcode.INVALID_PARAMETER,
}
ADMIN_ERRORS = {
    AdminErrorCode.FORBIDDEN: Errcode.API_FORBIDDEN,
    AdminErrorCode.HAS_MEMBERS: Errcode.DEPARTMENT_HAS_MEMBERS,
    AdminErrorCode.HAS_SUBDEPARTMENTS: Errcode.DEPARTMENT_HAS_CHILDREN,
}


class Params:
    """Request parameters with Exmail's loose typing (numbers may come as strings)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def has(self, name: str) -> bool:
        return self.data.get(name) is not None

    def text(self, name: str, *, required: bool = False, default: str = "") -> str:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                raise invalid(f"{name} is required")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise invalid(f"{name} must be a string")
        text = str(value)
        if len(text) > MAX_TEXT:
            raise invalid(f"{name} is too long")
        return text

    def integer(self, name: str, *, required: bool = False, default: int | None = None) -> int:
        value = self.data.get(name)
        if value is None or value == "":
            if required or default is None:
                raise invalid(f"{name} is required")
            return default
        try:
            if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            number = int(value)
        except (TypeError, ValueError) as exc:
            raise invalid(f"{name} must be an integer") from exc
        if not -(2**53) < number < 2**53:
            raise invalid(f"{name} is out of range")
        return number

    def flag(self, name: str) -> bool | None:
        """0/1 (or "0"/"1"), None when absent."""
        if not self.has(name):
            return None
        number = self.integer(name)
        if number not in (0, 1):
            raise invalid(f"{name} must be 0 or 1")
        return bool(number)

    def items(self, name: str) -> list[Any] | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or len(value) > MAX_LIST:
            raise invalid(f"{name} must be a list of at most {MAX_LIST} items")
        return value

    def strings(self, name: str) -> list[str] | None:
        values = self.items(name)
        if values is None:
            return None
        if not all(isinstance(v, str) and len(v) <= MAX_TEXT for v in values):
            raise invalid(f"{name} must be a list of strings")
        return values

    def integers(self, name: str) -> list[int] | None:
        values = self.items(name)
        if values is None:
            return None
        return [Params({name: v}).integer(name, required=True) for v in values]


@dataclass
class Call:
    request: Request
    params: Params
    access: AppAccess

    @property
    def ip(self) -> str:
        return client_ip(self.request)

    @property
    def scope(self) -> AdminScope:
        return rest_scope(self.access, self.ip)

    @property
    def settings(self) -> Settings:
        return self.request.app.state.runtime.settings

    @property
    def bus(self) -> Bus:
        return self.request.app.state.runtime.bus


Handler = Callable[[Call], Awaitable[dict[str, Any]]]


class Limits:
    """The token buckets of the open API, built from settings: in Redis (shared by every
    node) when ``BROADCAST_URL`` is Redis, else in this process."""

    def __init__(self, settings: Settings) -> None:
        url = settings.broadcast_url
        buckets = RedisBuckets(url, settings.channel_prefix) if uses_redis(url) else None
        self.per_ip = SharedRateLimiter("ip", settings.api_rate_per_ip, buckets)
        self.per_enterprise = SharedRateLimiter(
            "enterprise", settings.api_rate_per_enterprise, buckets
        )


def limits(request: Request) -> Limits:
    state = request.app.state
    if getattr(state, "openapi_limits", None) is None:
        state.openapi_limits = Limits(state.runtime.settings)
    return state.openapi_limits


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def answer(errcode: Errcode = Errcode.OK, errmsg: str = "ok", **data: Any) -> JSONResponse:
    return JSONResponse({"errcode": int(errcode), "errmsg": errmsg, **data})


def failure(exc: ApiError) -> JSONResponse:
    return answer(exc.errcode, exc.errmsg)


def translate(exc: AdminError, table: dict[Any, Errcode] | None = None) -> ApiError:
    """An admin service's error as an errcode: ``(code, field)`` or ``code`` in ``table``,
    then the common ones, else invalid parameter."""
    table = table or {}
    errcode = (
        table.get((exc.code, exc.field))
        or table.get(exc.code)
        or ADMIN_ERRORS.get(exc.code)
        or Errcode.INVALID_PARAMETER
    )
    return ApiError(errcode, exc.message)


def token_error(exc: OpenApiError) -> ApiError:
    return ApiError(TOKEN_ERRORS[exc.code], exc.message)


async def read_params(request: Request) -> Params:
    data: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        body = await request.body()
        if body.strip():
            try:
                parsed = json.loads(body)
            except (ValueError, UnicodeDecodeError) as exc:
                raise invalid("the body is not valid JSON") from exc
            if not isinstance(parsed, dict):
                raise invalid("the body must be a JSON object")
            data.update(parsed)
    return Params(data)


def rate_limited(what: str) -> ApiError:
    return ApiError(
        Errcode.RATE_LIMITED,
        f"api freq out of limit: too many requests from this {what}, slow down and retry",
    )


async def guarded(request: Request, work: Callable[[], Awaitable[Response]]) -> Response:
    """Run ``work`` and answer every failure in Exmail's shape."""
    try:
        if not await limits(request).per_ip.allow(client_ip(request)):
            raise rate_limited("IP")
        return await work()
    except ApiError as exc:
        return failure(exc)
    except OpenApiError as exc:
        return failure(token_error(exc))
    except AdminError as exc:
        return failure(translate(exc))
    except LogError as exc:
        return failure(ApiError(Errcode.INVALID_PARAMETER, exc.message))
    except Exception:  # noqa: BLE001 - answered as Exmail does, details in the log
        log.exception("open API call %s failed", request.url.path)
        return answer(Errcode.SYSTEM_BUSY, "system busy")


def endpoint(kind: AppKind) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Declare an endpoint reachable by tokens of apps of ``kind``."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def route(request: Request) -> Response:
            async def work() -> Response:
                params = await read_params(request)
                access = await authenticate(params.text("access_token"))
                if not await limits(request).per_enterprise.allow(access.enterprise_id):
                    raise rate_limited("enterprise")
                if access.kind is not kind:
                    raise ApiError(
                        Errcode.API_FORBIDDEN,
                        f"api forbidden: a {access.kind.value} app may not call a {kind.value} api",
                    )
                data = await handler(Call(request=request, params=params, access=access))
                return answer(**{"errmsg": "ok", **data})

            return await guarded(request, work)

        route.__name__ = handler.__name__
        route.__doc__ = handler.__doc__
        return route

    return wrap
