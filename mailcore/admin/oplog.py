"""The operation log: every administrative change is written here by the service making it."""

from __future__ import annotations

from typing import Any

from mailcore.admin.scope import AdminScope
from mailcore.core.db import db_text
from mailcore.core.models import OperationLog


async def record(scope: AdminScope, action: str, target: str = "", **detail: Any) -> None:
    await OperationLog.create(
        enterprise_id=scope.enterprise_id,
        actor_member_id=scope.actor_member_id,
        actor=db_text(scope.actor, 320),
        action=action,
        target=db_text(target, 320),
        detail=detail,
        ip=db_text(scope.ip, 64),
    )
