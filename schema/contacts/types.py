"""Types of the contacts schema."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import strawberry

from mailcore.contacts.book import ImportReport
from mailcore.contacts.errors import ContactError
from mailcore.contacts.errors import ContactErrorCode as CoreCode
from mailcore.core.models import PersonalContact
from schema.admin.types import Done
from schema.mail.types import PageInfo

ContactErrorCode = strawberry.enum(StrEnum("ContactErrorCode", {c.name: c.value for c in CoreCode}))


@strawberry.type(
    name="PersonalContact", description="A contact of your own address book (a vCard)."
)
class PersonalContactType:
    id: strawberry.ID
    uid: str
    name: str
    emails: list[str]
    phones: list[str]
    organization: str
    title: str
    notes: str
    birthday: str = strawberry.field(description="YYYY-MM-DD, --MM-DD (no year) or empty.")
    categories: list[str] = strawberry.field(description="The groups it is in (CATEGORIES).")
    etag: str
    vcard: str = strawberry.field(description="The whole card, as CardDAV serves it.")

    @classmethod
    def of(cls, c: PersonalContact) -> PersonalContactType:
        return cls(
            id=strawberry.ID(str(c.id)),
            uid=c.uid,
            name=c.name,
            emails=list(c.emails),
            phones=list(c.phones),
            organization=c.organization,
            title=c.title,
            notes=c.notes,
            birthday=c.birthday,
            categories=list(c.categories),
            etag=c.etag,
            vcard=c.vcard,
        )


@strawberry.type
class PersonalContactEdge:
    node: PersonalContactType
    cursor: str


@strawberry.type
class PersonalContactConnection:
    edges: list[PersonalContactEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class RefusedContact:
    index: int = strawberry.field(description="The card's place in the file, from 1.")
    name: str
    message: str


@strawberry.type
class ContactImport:
    created: int
    updated: int = strawberry.field(description="Cards whose UID the book held: replaced.")
    refused: list[RefusedContact]

    @classmethod
    def of(cls, report: ImportReport) -> ContactImport:
        return cls(
            created=report.created,
            updated=report.updated,
            refused=[
                RefusedContact(index=r.index, name=r.name, message=r.message)
                for r in report.refused
            ],
        )


@strawberry.type(name="ContactError")
class ContactErrorType:
    code: ContactErrorCode
    message: str
    field: str | None = None

    @classmethod
    def of(cls, exc: ContactError) -> ContactErrorType:
        return cls(code=ContactErrorCode(exc.code.value), message=exc.message, field=exc.field)


def parse_id(value: str) -> int:
    """An id argument as a number (-1, which matches nothing, when it is not one)."""
    try:
        return int(value)
    except ValueError:
        return -1


PersonalContactResult = Annotated[
    PersonalContactType | ContactErrorType, strawberry.union("PersonalContactResult")
]
DeletePersonalContactResult = Annotated[
    Done | ContactErrorType, strawberry.union("DeletePersonalContactResult")
]
ContactImportResult = Annotated[
    ContactImport | ContactErrorType, strawberry.union("ContactImportResult")
]
