"""The enterprise's answer to mail from outside claiming one of its domains (refused, or to
Spam with a warning) and its partner servers: ``spoofPolicy`` and ``setSpoofPolicy``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import strawberry
from strawberry.types import Info

from mailcore.admin.errors import AdminError
from mailcore.core.models import SpoofAction
from mailcore.mailauth import spoofing
from schema.admin.types import AdminErrorType
from schema.delivery.types import query_error
from schema.permissions import IsAdmin, IsAuthenticated

ADMIN = [IsAuthenticated, IsAdmin]

SpoofActionType = strawberry.enum(
    StrEnum("SpoofAction", {a.name: a.name for a in SpoofAction}),
    description="REJECT: refused at the end of DATA (the default); SPAM: delivered to the "
    "Spam folder with a warning on the message.",
)


@strawberry.type(name="SpoofPolicy")
class SpoofPolicyType:
    action: SpoofActionType  # type: ignore[valid-type]
    partners: list[str] = strawberry.field(
        description="Partner servers (IP addresses or CIDR networks) exempt from the check."
    )

    @classmethod
    def of(cls, policy: spoofing.SpoofPolicy) -> SpoofPolicyType:
        return cls(
            action=SpoofActionType[policy.action.name],  # type: ignore[index]
            partners=list(policy.partners),
        )


SpoofPolicyResult = Annotated[
    SpoofPolicyType | AdminErrorType, strawberry.union("SpoofPolicyResult")
]


@strawberry.type
class SpoofingQuery:
    @strawberry.field(
        permission_classes=ADMIN,
        description="What the MX does with mail from outside claiming one of the enterprise's "
        "domains without passing SPF or DKIM for it.",
    )
    async def spoof_policy(self, info: Info) -> SpoofPolicyType:
        scope = await info.context.require_admin()
        try:
            return SpoofPolicyType.of(await spoofing.get_policy(scope))
        except AdminError as exc:
            raise query_error(exc) from exc


@strawberry.type
class SpoofingMutation:
    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Refuse such mail or keep it in Spam with a warning; partners (IPs/CIDRs) "
        "replace the list of exempt servers. Omitted arguments are left as they are.",
    )
    async def set_spoof_policy(
        self,
        info: Info,
        action: SpoofActionType | None = None,  # type: ignore[valid-type]
        partners: list[str] | None = None,
    ) -> SpoofPolicyResult:
        scope = await info.context.require_admin()
        core = SpoofAction[action.value] if action is not None else None
        try:
            return SpoofPolicyType.of(await spoofing.set_policy(scope, core, partners))
        except AdminError as exc:
            return AdminErrorType.of(exc)
