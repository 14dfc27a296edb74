"""Types of the policy schema: recall results, mass mail jobs, restrictions, recall policy."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from mailcore.core.models import CopyStatus, MassMailRecipient, Recall, RecallStatus
from mailcore.policy.massmail import Progress
from mailcore.policy.recall import PolicySettings
from mailcore.policy.restrict import Restriction
from schema.admin.types import AdminErrorType, Done


@strawberry.enum
class RecallOutcomeStatus(Enum):
    RECALLED = "recalled"
    ALREADY_READ = "already_read"
    EXTERNAL_NOT_RECALLABLE = "external_not_recallable"
    NOT_FOUND = "not_found"
    OUT_OF_SCOPE = "out_of_scope"


@strawberry.enum
class CopyState(Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    QUEUED = "queued"
    FAILED = "failed"


@strawberry.type
class RecallOutcome:
    address: str
    status: RecallOutcomeStatus


@strawberry.type(name="Recall")
class RecallType:
    id: strawberry.ID
    message_id: str
    subject: str
    by_admin: bool
    created_at: datetime
    results: list[RecallOutcome]

    @strawberry.field
    def recalled(self) -> int:
        return sum(r.status is RecallOutcomeStatus.RECALLED for r in self.results)

    @classmethod
    def of(cls, row: Recall) -> RecallType:
        return cls(
            id=strawberry.ID(str(row.id)),
            message_id=row.message_id,
            subject=row.subject,
            by_admin=row.by_admin,
            created_at=row.created_at,
            results=[
                RecallOutcome(
                    address=r["address"],
                    status=RecallOutcomeStatus(RecallStatus(r["status"]).value),
                )
                for r in row.results
            ],
        )


@strawberry.type
class MassMailCopy:
    address: str
    status: CopyState
    error: str

    @classmethod
    def of(cls, row: MassMailRecipient) -> MassMailCopy:
        return cls(address=row.address, status=CopyState(row.status.value), error=row.error)


@strawberry.type(name="MassMailJob")
class MassMailJobType:
    id: strawberry.ID
    status: str  # QUEUED, RUNNING, DONE
    total: int
    processed: int
    pending: int
    delivered: int
    queued: int
    failed: int
    sent_id: strawberry.ID | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, p: Progress) -> MassMailJobType:
        job = p.job
        return cls(
            id=strawberry.ID(str(job.id)),
            status=job.status.value.upper(),
            total=job.total,
            processed=p.processed,
            pending=p.counts[CopyStatus.PENDING],
            delivered=p.counts[CopyStatus.DELIVERED],
            queued=p.counts[CopyStatus.QUEUED],
            failed=p.counts[CopyStatus.FAILED],
            sent_id=strawberry.ID(str(job.sent_entry_id)) if job.sent_entry_id else None,
            created_at=job.created_at,
            finished_at=job.finished_at,
        )


@strawberry.type
class SendRestrictionType:
    id: strawberry.ID
    member_email: str | None
    department_id: strawberry.ID | None
    department_name: str | None
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, r: Restriction) -> SendRestrictionType:
        return cls(
            id=strawberry.ID(str(r.id)),
            member_email=r.member_email,
            department_id=strawberry.ID(str(r.department_id)) if r.department_id else None,
            department_name=r.department_name,
            created_by=r.created_by,
            created_at=r.created_at,
        )


@strawberry.type
class MailPolicyType:
    recall_window_minutes: int
    recall_read: bool = strawberry.field(description="Senders may also recall read copies.")

    @classmethod
    def of(cls, p: PolicySettings) -> MailPolicyType:
        return cls(recall_window_minutes=p.recall_window_minutes, recall_read=p.recall_read)


AdminRecallResult = Annotated[RecallType | AdminErrorType, strawberry.union("AdminRecallResult")]
SendRestrictionResult = Annotated[
    SendRestrictionType | AdminErrorType, strawberry.union("SendRestrictionResult")
]
MailPolicyResult = Annotated[MailPolicyType | AdminErrorType, strawberry.union("MailPolicyResult")]
RemoveSendRestrictionResult = Annotated[
    Done | AdminErrorType, strawberry.union("RemoveSendRestrictionResult")
]
