"""Access tokens of apps: issued for corpid + corpsecret, stored hashed, with an expiry.

Tokens start with ``qyat_`` so a bearer token is known to be an app's without a lookup
in the member sessions (and is easy to spot if it leaks into a log).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from mailcore.admin.scope import APP_PREFIX, AdminScope, descendants, system_scope
from mailcore.core.models import AppKind, AppToken, OpenApp
from mailcore.directory.tree import root_department
from mailcore.openapi.apps import KIND_PERMISSIONS
from mailcore.openapi.credentials import digest, verify_secret
from mailcore.openapi.errors import OpenApiError, OpenApiErrorCode

TOKEN_PREFIX = "qyat_"
KEEP_EXPIRED = timedelta(days=1)  # expired tokens still answer "expired" for a day


@dataclass(frozen=True)
class AppAccess:
    """Who is calling: an app of one enterprise, of one kind."""

    app_id: int
    corpid: str
    enterprise_id: int
    kind: AppKind

    @property
    def actor(self) -> str:
        return f"{APP_PREFIX}{self.corpid}"


def is_app_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX)


async def issue_token(corpid: str, corpsecret: str, ttl: int) -> tuple[str, int]:
    """A new access token valid ``ttl`` seconds, for the app's id and secret."""
    app = await OpenApp.filter(corpid=corpid[:64]).first() if corpid else None
    if app is None or not app.enabled:
        raise OpenApiError(OpenApiErrorCode.UNKNOWN_APP, "invalid corpid")
    if not verify_secret(app.secret_hash, corpsecret[:200]):
        raise OpenApiError(OpenApiErrorCode.INVALID_CREDENTIAL, "invalid corpsecret")
    now = datetime.now(UTC)
    await AppToken.filter(app_id=app.id, expires_at__lt=now - KEEP_EXPIRED).delete()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await AppToken.create(
        app=app, token_hash=digest(token), expires_at=now + timedelta(seconds=ttl)
    )
    return token, ttl


async def authenticate(token: str) -> AppAccess:
    """The app behind an access token; INVALID_TOKEN or TOKEN_EXPIRED otherwise."""
    if not token or len(token) > 200 or not is_app_token(token):
        raise OpenApiError(OpenApiErrorCode.INVALID_TOKEN, "invalid access_token")
    row = await AppToken.filter(token_hash=digest(token)).select_related("app").first()
    if row is None or not row.app.enabled:
        raise OpenApiError(OpenApiErrorCode.INVALID_TOKEN, "invalid access_token")
    if row.expires_at <= datetime.now(UTC):
        raise OpenApiError(OpenApiErrorCode.TOKEN_EXPIRED, "access_token expired")
    app = row.app
    return AppAccess(
        app_id=app.id, corpid=app.corpid, enterprise_id=app.enterprise_id, kind=app.kind
    )


async def identify_app(token: str) -> AppAccess | None:
    try:
        return await authenticate(token)
    except OpenApiError:
        return None


def rest_scope(access: AppAccess, ip: str = "") -> AdminScope:
    """The scope of the REST endpoints: the whole enterprise, acting as ``app:<corpid>``.

    The endpoint table already limits an app to its kind's endpoints.
    """
    return replace(system_scope(access.enterprise_id, actor=access.actor), ip=ip)


async def graphql_scope(access: AppAccess, ip: str = "") -> AdminScope:
    """The scope of GraphQL admin operations: the kind's permissions over every department.

    Not a super scope, so what only super administrators may do (appointing admins,
    managing apps) stays out of reach of every app.
    """
    permissions = KIND_PERMISSIONS[access.kind]
    departments: frozenset[int] = frozenset()
    if permissions:
        root = await root_department(access.enterprise_id)
        departments = frozenset(await descendants(access.enterprise_id, [root.id]))
    return AdminScope(
        enterprise_id=access.enterprise_id,
        actor=access.actor,
        actor_member_id=None,
        is_super=False,
        permissions=permissions,
        department_ids=departments,
        ip=ip,
    )
