"""Archive and auditors: settings and auditor grants (admins, permission ``archive``), search,
view and redelivery (auditors). Export is an HTTP download: ``/archive/export``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from mailcore.archive import access, auditors, search, settings
from mailcore.archive.auditors import AuditorView
from mailcore.archive.errors import PolicyError, PolicyErrorCode
from mailcore.core.models import ArchiveRecord, ArchiveSettings, Auditor
from schema.admin.types import Done
from schema.mail.types import EmailAddress
from schema.permissions import IsAdmin, IsAuthenticated
from schema.policies.types import FAILURES, PolicyErrorType, parse_id, query_error


@strawberry.type(name="ArchiveSettings")
class ArchiveSettingsType:
    enabled: bool
    retention_days: int

    @classmethod
    def of(cls, row: ArchiveSettings) -> ArchiveSettingsType:
        return cls(enabled=row.enabled, retention_days=row.retention_days)


@strawberry.type(name="Auditor")
class AuditorType:
    email: str
    department_ids: list[strawberry.ID]
    date_from: datetime | None
    date_to: datetime | None
    granted_by: str

    @classmethod
    def of(cls, row: Auditor) -> AuditorType:
        return cls(
            email=row.member.email,
            department_ids=[strawberry.ID(str(d)) for d in row.department_ids],
            date_from=row.date_from,
            date_to=row.date_to,
            granted_by=row.granted_by,
        )


@strawberry.type
class AuditScope:
    department_ids: list[strawberry.ID]
    date_from: datetime | None
    date_to: datetime | None

    @classmethod
    def of(cls, view: AuditorView) -> AuditScope:
        return cls(
            department_ids=[strawberry.ID(str(d)) for d in sorted(view.department_ids)],
            date_from=view.date_from,
            date_to=view.date_to,
        )


@strawberry.type
class ArchivedAttachment:
    index: int
    filename: str
    content_type: str
    size: int
    url: str = strawberry.field(
        description="Download link, signed for you for a few minutes (or send Bearer)."
    )


@strawberry.type
class ArchivedMessage:
    id: strawberry.ID
    direction: str = strawberry.field(description="inbound, internal or outbound.")
    envelope_from: str
    from_: EmailAddress = strawberry.field(name="from")
    recipients: list[str] = strawberry.field(description="Envelope recipients, Bcc included.")
    subject: str
    date: datetime | None
    archived_at: datetime
    size: int
    attachment_names: list[str]
    snippet: str | None = strawberry.field(
        default=None,
        description="In search results: HTML, escaped text with the matched words in <mark>.",
    )

    @classmethod
    def of(cls, row: ArchiveRecord, snippet: str | None = None) -> ArchivedMessage:
        return cls(
            id=strawberry.ID(str(row.id)),
            direction=row.direction.value,
            envelope_from=row.envelope_from,
            from_=EmailAddress(name=row.from_name, address=row.from_address),
            recipients=list(row.recipients),
            subject=row.subject,
            date=row.date,
            archived_at=row.archived_at,
            size=row.size,
            attachment_names=list(row.attachment_names),
            snippet=snippet,
        )


@strawberry.type
class ArchivedMail:
    message: ArchivedMessage
    text: str
    html: str | None = strawberry.field(description="Sanitized HTML.")
    attachments: list[ArchivedAttachment]


@strawberry.type
class ArchiveSearchPage:
    items: list[ArchivedMessage]
    has_next: bool
    end_cursor: str | None
    total: int = strawberry.field(description="Records matching (as far as the index knows).")


@strawberry.input
class ArchiveSearchInput:
    sender: str = ""
    recipient: str = ""
    subject: str = ""
    body: str = ""
    attachment: str = ""
    text: str = strawberry.field(default="", description="In any of the fields above.")
    date_from: datetime | None = None
    date_to: datetime | None = None


@strawberry.type
class RedeliverSuccess:
    entry_id: strawberry.ID


ArchiveSettingsResult = Annotated[
    ArchiveSettingsType | PolicyErrorType, strawberry.union("ArchiveSettingsResult")
]
AuditorResult = Annotated[AuditorType | PolicyErrorType, strawberry.union("AuditorResult")]
RevokeAuditorResult = Annotated[Done | PolicyErrorType, strawberry.union("RevokeAuditorResult")]
RedeliverResult = Annotated[RedeliverSuccess | PolicyErrorType, strawberry.union("RedeliverResult")]


async def _auditor(info: Info) -> AuditorView:
    return await auditors.auditor_view(info.context.identity.member, info.context.client_ip)


@strawberry.type
class ArchiveQuery:
    @strawberry.field(permission_classes=[IsAuthenticated, IsAdmin])
    async def archive_settings(self, info: Info) -> ArchiveSettingsType:
        try:
            return ArchiveSettingsType.of(
                await settings.get_settings(await info.context.require_admin())
            )
        except FAILURES as exc:
            raise query_error(exc) from exc

    @strawberry.field(permission_classes=[IsAuthenticated, IsAdmin])
    async def auditors(self, info: Info) -> list[AuditorType]:
        try:
            rows = await auditors.list_auditors(await info.context.require_admin())
        except FAILURES as exc:
            raise query_error(exc) from exc
        return [AuditorType.of(r) for r in rows]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Your audit scope (FORBIDDEN if you are not an auditor).",
    )
    async def my_audit_scope(self, info: Info) -> AuditScope:
        try:
            return AuditScope.of(await _auditor(info))
        except FAILURES as exc:
            raise query_error(exc) from exc

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Your audit scope, or null if you are not an auditor: what a client asks "
        "with the session (myAuditScope answers FORBIDDEN instead).",
    )
    async def audit_scope(self, info: Info) -> AuditScope | None:
        try:
            return AuditScope.of(await _auditor(info))
        except PolicyError as exc:
            if exc.code is PolicyErrorCode.FORBIDDEN:
                return None
            raise query_error(exc) from exc

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Auditors: search the archived mail of your scope, newest first "
        "(UNAVAILABLE when the search index cannot answer).",
    )
    async def archive_search(
        self,
        info: Info,
        where: ArchiveSearchInput | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> ArchiveSearchPage:
        where = where or ArchiveSearchInput()
        q = search.ArchiveQuery(
            sender=where.sender,
            recipient=where.recipient,
            subject=where.subject,
            body=where.body,
            attachment=where.attachment,
            text=where.text,
            date_from=where.date_from,
            date_to=where.date_to,
        )
        try:
            view = await _auditor(info)
            page = await search.search(info.context.runtime.indexer, view, q, first, after)
        except FAILURES as exc:
            raise query_error(exc) from exc
        terms = {k: v for k, v in vars(q).items() if v}
        await auditors.log_action(
            view, "archive.search", "", **{k: str(v)[:200] for k, v in terms.items()}
        )
        return ArchiveSearchPage(
            items=[ArchivedMessage.of(r, page.snippets.get(r.id)) for r in page.items],
            has_next=page.has_next,
            end_cursor=page.end_cursor,
            total=page.total,
        )

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def archived_mail(self, info: Info, id: strawberry.ID) -> ArchivedMail:
        try:
            view = await _auditor(info)
            mail = await access.view_mail(info.context.runtime.blobs, view, parse_id(id))
        except FAILURES as exc:
            raise query_error(exc) from exc
        return ArchivedMail(
            message=ArchivedMessage.of(mail.record),
            text=mail.parsed.text,
            html=mail.html,
            attachments=[
                ArchivedAttachment(
                    index=a.index,
                    filename=a.filename,
                    content_type=a.content_type,
                    size=a.size,
                    url=await info.context.download_url(
                        f"/archive/{mail.record.id}/attachments/{a.index}"
                    ),
                )
                for a in mail.parsed.attachments
            ],
        )


@strawberry.type
class ArchiveMutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def set_archive_settings(
        self, info: Info, enabled: bool, retention_days: int | None = None
    ) -> ArchiveSettingsResult:
        try:
            row = await settings.set_settings(
                await info.context.require_admin(), enabled=enabled, retention_days=retention_days
            )
        except FAILURES as exc:
            return PolicyErrorType.of(exc)
        return ArchiveSettingsType.of(row)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated, IsAdmin],
        description="Make a member an auditor of the mail of some departments (with their "
        "sub-departments), optionally within a date range; replaces an earlier grant.",
    )
    async def grant_auditor(
        self,
        info: Info,
        email: str,
        department_ids: list[strawberry.ID],
        date_from: datetime | None = None,
        date_to: datetime | None = None,
    ) -> AuditorResult:
        try:
            row = await auditors.grant_auditor(
                await info.context.require_admin(),
                email,
                [parse_id(d) for d in department_ids],
                date_from,
                date_to,
            )
        except FAILURES as exc:
            return PolicyErrorType.of(exc)
        return AuditorType.of(row)

    @strawberry.mutation(permission_classes=[IsAuthenticated, IsAdmin])
    async def revoke_auditor(self, info: Info, email: str) -> RevokeAuditorResult:
        try:
            await auditors.revoke_auditor(await info.context.require_admin(), email)
        except FAILURES as exc:
            return PolicyErrorType.of(exc)
        return Done()

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Auditors: put an archived mail into the Inbox of a member of your scope.",
    )
    async def redeliver_archived_mail(
        self, info: Info, id: strawberry.ID, to: str
    ) -> RedeliverResult:
        runtime = info.context.runtime
        try:
            view = await _auditor(info)
            entry = await access.redeliver(runtime.ingestor, runtime.blobs, view, parse_id(id), to)
        except FAILURES as exc:
            return PolicyErrorType.of(exc)
        return RedeliverSuccess(entry_id=strawberry.ID(str(entry)))
