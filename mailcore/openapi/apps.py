"""Open API apps: created, listed, re-keyed and deleted by super administrators.

An app belongs to one enterprise and has one kind (directory, sso, newmail, settings,
logs); its token reaches only that kind's endpoints. The secret is shown once and stored
hashed. ``newmail`` apps may have a webhook URL, signed with a webhook secret that is
stored as is (an HMAC key must be known to sign), or in Exmail's encrypted format with a
Token and EncodingAESKey (``callbacks``), checked against the URL before it is accepted.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from mailcore.admin.errors import AdminError, AdminErrorCode, forbidden
from mailcore.admin.oplog import record
from mailcore.admin.scope import AdminScope
from mailcore.core import caches
from mailcore.core.events import Bus
from mailcore.core.models import AdminPermission, AppKind, AppToken, Domain, OpenApp
from mailcore.openapi import callbacks
from mailcore.openapi.callbacks import CallbackInput
from mailcore.openapi.credentials import hash_secret, new_secret
from mailcore.org.addresses import normalize_domain

# What an app token may do through GraphQL admin operations, per kind.
KIND_PERMISSIONS: dict[AppKind, frozenset[AdminPermission]] = {
    AppKind.DIRECTORY: frozenset(
        {AdminPermission.MEMBERS, AdminPermission.DEPARTMENTS, AdminPermission.GROUPS}
    ),
    AppKind.SSO: frozenset(),
    AppKind.NEWMAIL: frozenset(),
    AppKind.SETTINGS: frozenset({AdminPermission.SECURITY}),
    AppKind.LOGS: frozenset({AdminPermission.LOGS}),
}
MAX_APPS = 50
CALLBACK_FIELDS = ("callback_format", "callback_token", "callback_aes_key")
HOOK_CACHE_SECONDS = 30.0
HOOK_CACHE = "webhook-apps"  # its name on the bus (mailcore.core.caches)


@dataclass
class CreatedApp:
    """An app with its secrets in clear, returned once at creation or rotation."""

    app: OpenApp
    corpsecret: str
    webhook_secret: str = ""
    callback_token: str = ""  # given at creation (an Exmail-format Token and key)
    callback_aes_key: str = ""


def _require_manager(scope: AdminScope) -> None:
    scope.require(AdminPermission.OPENAPI)
    if not scope.is_super:
        raise forbidden("only a super administrator manages open API apps")


def _parse_kind(kind: str) -> AppKind:
    try:
        return AppKind(kind.lower())
    except ValueError as exc:
        kinds = ", ".join(k.value for k in AppKind)
        raise AdminError(AdminErrorCode.INVALID, f"kind must be one of {kinds}", "kind") from exc


def _check_webhook(kind: AppKind, url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    if kind is not AppKind.NEWMAIL:
        raise AdminError(
            AdminErrorCode.INVALID, "only newmail apps have a webhook URL", "webhookUrl"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 1000:
        raise AdminError(AdminErrorCode.INVALID, "not an http(s) URL", "webhookUrl")
    return url


async def create_app(
    scope: AdminScope,
    kind: str,
    webhook_url: str = "",
    *,
    callback: CallbackInput | None = None,
    verify_timeout: float = 10.0,
    bus: Bus | None,
) -> CreatedApp:
    """A new app; ``bus`` (None from the CLI) tells the other processes' webhook caches.
    An Exmail-format URL is checked (``verify_timeout`` seconds) before anything is saved."""
    _require_manager(scope)
    callback = callback or CallbackInput()
    app_kind = _parse_kind(kind)
    url = _check_webhook(app_kind, webhook_url)
    if await OpenApp.filter(enterprise_id=scope.enterprise_id).count() >= MAX_APPS:
        raise AdminError(AdminErrorCode.CONFLICT, f"at most {MAX_APPS} apps per enterprise")
    corpsecret = new_secret()
    app = OpenApp(
        enterprise_id=scope.enterprise_id,
        kind=app_kind,
        corpid="qy" + secrets.token_hex(8),
        secret_hash=hash_secret(corpsecret),
        webhook_url=url,
        webhook_secret=new_secret() if app_kind is AppKind.NEWMAIL else "",
    )
    callbacks.apply(app, callback)
    await callbacks.verify(app, verify_timeout)
    async with in_transaction():
        await app.save()
        await record(
            scope,
            "openapi.create",
            app.corpid,
            kind=app_kind.value,
            webhook=url,
            format=app.callback_format.value,
        )
    await caches.forget(bus, HOOK_CACHE)
    return CreatedApp(
        app=app,
        corpsecret=corpsecret,
        webhook_secret=app.webhook_secret,
        callback_token=app.callback_token,
        callback_aes_key=app.callback_aes_key,
    )


async def list_apps(scope: AdminScope) -> list[OpenApp]:
    _require_manager(scope)
    return list(await OpenApp.filter(enterprise_id=scope.enterprise_id).order_by("id"))


async def _app(scope: AdminScope, corpid: str) -> OpenApp:
    app = await OpenApp.filter(corpid=corpid[:64]).first()
    if app is None or app.enterprise_id != scope.enterprise_id:
        raise AdminError(AdminErrorCode.NOT_FOUND, f"no app {corpid}", "corpid")
    return app


async def rotate_secret(scope: AdminScope, corpid: str, *, bus: Bus | None) -> CreatedApp:
    """A new secret (and webhook secret); the old secret and every token stop working."""
    _require_manager(scope)
    app = await _app(scope, corpid)
    corpsecret = new_secret()
    async with in_transaction():
        app.secret_hash = hash_secret(corpsecret)
        if app.kind is AppKind.NEWMAIL:
            app.webhook_secret = new_secret()
        await app.save(update_fields=["secret_hash", "webhook_secret"])
        await AppToken.filter(app_id=app.id).delete()
        await record(scope, "openapi.rotate", app.corpid)
    await caches.forget(bus, HOOK_CACHE)
    return CreatedApp(app=app, corpsecret=corpsecret, webhook_secret=app.webhook_secret)


async def update_app(
    scope: AdminScope,
    corpid: str,
    *,
    webhook_url: str | None = None,
    enabled: bool | None = None,
    callback: CallbackInput | None = None,
    verify_timeout: float = 10.0,
    bus: Bus | None,
) -> OpenApp:
    """Change an app; a changed URL, format, Token or key of an Exmail-format app with a URL
    is checked against the URL first (CALLBACK_UNVERIFIED: nothing changes)."""
    _require_manager(scope)
    callback = callback or CallbackInput()
    app = await _app(scope, corpid)
    if webhook_url is not None:
        app.webhook_url = _check_webhook(app.kind, webhook_url)
    if enabled is not None:
        app.enabled = enabled
    callbacks.apply(app, callback)
    if webhook_url is not None or callback.given():
        await callbacks.verify(app, verify_timeout)
    async with in_transaction():
        await app.save(update_fields=["webhook_url", "enabled", *CALLBACK_FIELDS])
        if not app.enabled:
            await AppToken.filter(app_id=app.id).delete()
        await record(
            scope,
            "openapi.update",
            app.corpid,
            webhook=app.webhook_url,
            enabled=app.enabled,
            format=app.callback_format.value,
            keys_changed=callback.token is not None or callback.aes_key is not None,
        )
    await caches.forget(bus, HOOK_CACHE)
    return app


async def delete_app(scope: AdminScope, corpid: str, *, bus: Bus | None) -> None:
    _require_manager(scope)
    app = await _app(scope, corpid)
    async with in_transaction():
        await app.delete()
        await record(scope, "openapi.delete", app.corpid)
    await caches.forget(bus, HOOK_CACHE)


# Enterprises with an enabled newmail app that has a webhook: looked up on every ingest,
# so kept in memory, forgotten in every process when one changes an app (over the bus), and
# refreshed at least every HOOK_CACHE_SECONDS (a change made without a bus: the CLI).
_hooked: dict[int, list[int]] | None = None
_hooked_at = 0.0
_generation = 0  # bumped by each forget: a load that overlapped one is not kept


def invalidate_cache() -> None:
    """Forget the cache of this process (``caches.forget(bus, HOOK_CACHE)``: of every process)."""
    global _hooked, _generation
    _hooked = None
    _generation += 1


caches.register(HOOK_CACHE, invalidate_cache)


def no_webhook_apps() -> bool:
    """Known without a query (the cache is loaded and fresh): no app wants new-mail
    webhooks. False when unknown."""
    fresh = _hooked is not None and time.monotonic() - _hooked_at <= HOOK_CACHE_SECONDS
    return fresh and not _hooked


async def webhook_apps() -> dict[int, list[int]]:
    """Enterprise id → ids of its enabled newmail apps with a webhook URL (cached)."""
    global _hooked, _hooked_at
    if _hooked is None or time.monotonic() - _hooked_at > HOOK_CACHE_SECONDS:
        generation = _generation
        rows = (
            await OpenApp.filter(kind=AppKind.NEWMAIL, enabled=True)
            .exclude(webhook_url="")
            .values_list("enterprise_id", "id")
        )
        hooked: dict[int, list[int]] = {}
        for enterprise, app_id in rows:
            hooked.setdefault(enterprise, []).append(app_id)
        if generation != _generation:  # forgotten while loading: use it, keep nothing
            return hooked
        _hooked, _hooked_at = hooked, time.monotonic()
    return _hooked


async def enterprise_of_domain(name: str) -> int:
    """The enterprise hosting a domain (for the CLI), else NOT_FOUND."""
    domain = await Domain.filter(name=normalize_domain(name)).first()
    if domain is None:
        raise AdminError(AdminErrorCode.NOT_FOUND, f"{name} is not hosted here", "domain")
    return domain.enterprise_id
