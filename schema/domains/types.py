"""Types of the domains schema."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import strawberry
from graphql import GraphQLError

from mailcore.admin.errors import AdminError
from mailcore.core.models import Domain
from mailcore.domains.records import RecordStatus
from mailcore.domains.service import DomainRecords, RecordState, kind_of
from mailcore.domains.verify import ReasonCode
from schema.admin.types import AdminErrorType, Done


@strawberry.enum
class DomainKind(StrEnum):
    PRIMARY = "PRIMARY"
    EXTRA = "EXTRA"  # another domain of the enterprise, with its own addresses
    ALIAS = "ALIAS"  # local@alias reaches local@primary


DnsRecordStatus = strawberry.enum(
    StrEnum("DnsRecordStatus", {s.name: s.value for s in RecordStatus})
)
DnsReasonCode = strawberry.enum(
    StrEnum("DnsReasonCode", {c.name: c.value for c in ReasonCode}),
    description="What the last check found, as a code for clients to put in words.",
)


def admin_query_error(exc: AdminError) -> GraphQLError:
    return GraphQLError(exc.message, extensions={"code": exc.code.value, "field": exc.field})


@strawberry.type(name="EnterpriseDomain")
class DomainType:
    domain: strawberry.Private[Domain]

    @strawberry.field
    def name(self) -> str:
        return self.domain.name

    @strawberry.field
    def kind(self) -> DomainKind:
        return DomainKind(kind_of(self.domain))

    @strawberry.field
    def dkim_selector(self) -> str:
        return self.domain.dkim_selector

    @strawberry.field(description="The DKIM public key (base64 DER), as published in DNS.")
    def dkim_public_key(self) -> str:
        return self.domain.dkim_public_key

    @strawberry.field(description="MX, SPF, DKIM and DMARC were found right at the last check.")
    def verified(self) -> bool:
        return self.domain.verified_at is not None

    @strawberry.field
    def verified_at(self) -> datetime | None:
        return self.domain.verified_at

    @strawberry.field
    def created_at(self) -> datetime:
        return self.domain.created_at


@strawberry.type(name="DnsRecord")
class DnsRecordType:
    state: strawberry.Private[RecordState]

    @strawberry.field(
        description="MX, SPF, DKIM, DMARC, AUTOCONFIG, AUTODISCOVER, and an SRV record per "
        "mail-client service that is on: IMAPS, IMAP, POP3S, POP3, SUBMISSIONS, SUBMISSION"
    )
    def key(self) -> str:
        return self.state.record.key

    @strawberry.field
    def type(self) -> str:
        return self.state.record.type

    @strawberry.field
    def name(self) -> str:
        return self.state.record.name

    @strawberry.field(description="The record data; an MX record's preference is in priority.")
    def value(self) -> str:
        return self.state.record.value

    @strawberry.field
    def priority(self) -> int | None:
        return self.state.record.priority

    @strawberry.field
    def purpose(self) -> str:
        return self.state.record.purpose

    @strawberry.field(description="Needed for the domain to count as verified.")
    def required(self) -> bool:
        return self.state.record.required

    @strawberry.field
    def status(self) -> DnsRecordStatus:
        return DnsRecordStatus(self.state.status.value)

    @strawberry.field
    def reason(self) -> str:
        return self.state.reason

    @strawberry.field(description="The reason as a code; null for results checked before codes.")
    def reason_code(self) -> DnsReasonCode | None:
        code = self.state.code
        return None if code is None else DnsReasonCode(code.value)

    @strawberry.field
    def checked_at(self) -> datetime | None:
        return self.state.checked_at


def record_types(result: DomainRecords) -> list[DnsRecordType]:
    return [DnsRecordType(state=s) for s in result.records]


@strawberry.type
class DomainVerification:
    domain: DomainType
    verified: bool
    records: list[DnsRecordType]

    @classmethod
    def of(cls, result: DomainRecords) -> DomainVerification:
        return cls(
            domain=DomainType(domain=result.domain),
            verified=result.verified,
            records=record_types(result),
        )


DomainResult = Annotated[DomainType | AdminErrorType, strawberry.union("DomainResult")]
RemoveDomainResult = Annotated[Done | AdminErrorType, strawberry.union("RemoveDomainResult")]
VerifyDomainResult = Annotated[
    DomainVerification | AdminErrorType, strawberry.union("VerifyDomainResult")
]
