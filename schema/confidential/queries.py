"""Queries of confidential mail: the read log, for the sender."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from mailcore.confidential.access import server_channels
from mailcore.confidential.errors import ConfidentialError
from mailcore.confidential.reads import reads_for_sender
from schema.confidential.types import ConfidentialChannel, ConfidentialRead
from schema.permissions import IsAuthenticated


@strawberry.type
class ConfidentialQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description=(
            "The channels this server can send members a confidential mail's code on. Empty:"
            " internal recipients of confidential mail cannot open it (external ones get"
            " their code by email)."
        ),
    )
    def confidential_channels(self, info: Info) -> list[ConfidentialChannel]:
        return [
            ConfidentialChannel(c.value) for c in server_channels(info.context.runtime.settings)
        ]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Who opened your confidential message (your Sent copy's id), oldest first.",
    )
    async def confidential_reads(
        self, info: Info, message_id: strawberry.ID
    ) -> list[ConfidentialRead]:
        try:
            reads = await reads_for_sender(info.context.member_id, message_id)
        except ConfidentialError as exc:
            raise GraphQLError(
                exc.message, extensions={"code": exc.code.value, "field": exc.field}
            ) from exc
        return [
            ConfidentialRead(
                name=r.member.name if r.member else "",
                address=r.address,
                external=r.link_id is not None,
                channel=ConfidentialChannel(r.channel.value),
                ip=r.ip,
                read_at=r.created_at,
            )
            for r in reads
        ]
