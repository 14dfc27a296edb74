"""Event attachments over GraphQL: a file uploaded as compose uploads one (GraphQL multipart
request, an ``Upload``), and taken off again; the files are listed on ``CalendarEvent``."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from mailcore.calendar import attachments
from mailcore.calendar.access import Level
from mailcore.calendar.errors import CalendarError
from mailcore.calendar.files import MAX_COUNT, MAX_FILE, MAX_TOTAL
from schema.calendar.resolvers import caller
from schema.calendar.types import CalendarErrorType, CalendarEventResult, CalendarEventType
from schema.permissions import IsAuthenticated


def base_url(info: Info) -> str:
    """Where CalDAV clients reach this server: QIYOU_PUBLIC_URL, else the request's."""
    configured = info.context.runtime.settings.public_url
    return configured or str(info.context.request.base_url).rstrip("/")


@strawberry.type
class EventAttachmentMutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description=(
            "Attach files to an event, uploaded as mail compose uploads them (a meeting's"
            " organizer; attendees get them with one updated invitation). At most"
            f" {MAX_FILE // 1024 // 1024} MB a file, {MAX_COUNT} files and"
            f" {MAX_TOTAL // 1024 // 1024} MB an event, less when the mail size limit is"
            " smaller (TOO_LARGE)."
        ),
    )
    async def add_event_attachments(
        self, info: Info, id: strawberry.ID, files: list[Upload]
    ) -> CalendarEventResult:
        who = await caller(info)
        uploads = []
        for upload in files[: MAX_COUNT + 1]:  # more files than allowed: refused below
            uploads.append(
                attachments.Upload(
                    upload.filename or "attachment",
                    upload.content_type or "application/octet-stream",
                    await upload.read(MAX_FILE + 1),  # never more than the largest limit
                )
            )
        try:
            event = await attachments.add(
                who,
                info.context.runtime.blobs,
                id,
                uploads,
                base_url(info),
                info.context.runtime.settings.max_message_size,
            )
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        return CalendarEventType.series(event, Level.EDIT)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="Take a file off an event."
    )
    async def remove_event_attachment(
        self, info: Info, id: strawberry.ID, attachment_id: strawberry.ID
    ) -> CalendarEventResult:
        try:
            event = await attachments.remove(await caller(info), id, attachment_id)
        except CalendarError as exc:
            return CalendarErrorType.of(exc)
        return CalendarEventType.series(event, Level.EDIT)
