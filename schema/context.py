"""The per-request GraphQL context: who is calling, the runtime, per-request caches and
DataLoaders (``loader``: one per load function, made on first use)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader

from mailcore.admin.scope import AdminScope, scope_for
from mailcore.core.mime.types import ParsedMessage
from mailcore.openapi.tokens import AppAccess, graphql_scope
from mailcore.org.sessions import Identity
from mailcore.runtime import Runtime


@dataclass
class Context:
    request: Request | WebSocket
    response: Any
    runtime: Runtime
    identity: Identity | None = None
    connection_params: dict[str, Any] | None = None
    app: AppAccess | None = None  # an open API app's token instead of a member session
    parsed: dict[int, asyncio.Future[ParsedMessage]] = field(default_factory=dict)  # by id
    loaders: dict[Callable[..., Any], DataLoader[Any, Any]] = field(default_factory=dict)
    _admin: AdminScope | None = None
    _admin_loaded: bool = False

    def loader(
        self, load: Callable[[Context, list[Any]], Awaitable[list[Any]]]
    ) -> DataLoader[Any, Any]:
        """The request's DataLoader of ``load`` (e.g. ``schema/mail/loaders.py``): the items
        of a list ask one by one, ``load`` gets all their keys at once. Uncached: a field
        read after a mutation of the same request sees the change, as without batching."""
        if load not in self.loaders:
            self.loaders[load] = DataLoader(load_fn=partial(load, self), cache=False)
        return self.loaders[load]

    async def admin_scope(self) -> AdminScope | None:
        """The caller's administrator scope (None for plain members), loaded once."""
        if not self._admin_loaded and self.identity is not None:
            self._admin = await scope_for(self.identity.member, self.client_ip)
            self._admin_loaded = True
        if not self._admin_loaded and self.app is not None:
            self._admin = await graphql_scope(self.app, self.client_ip)  # its kind's permissions
            self._admin_loaded = True
        return self._admin

    async def require_admin(self) -> AdminScope:
        scope = await self.admin_scope()
        assert scope is not None, "checked by IsAdmin"
        return scope

    @property
    def member_id(self) -> int:
        assert self.identity is not None, "checked by IsAuthenticated"
        return self.identity.member.id

    @property
    def session_id(self) -> int | None:
        return self.identity.session_id if self.identity else None

    async def download_url(self, path: str) -> str:
        """``path?ticket=…`` signed for the caller's session (app tokens: ``path``, Bearer)."""
        if self.identity is None:
            return path
        return await self.runtime.tickets.url(path, self.identity.session_id)

    @property
    def client_ip(self) -> str:
        client = self.request.client
        return client.host if client else ""
