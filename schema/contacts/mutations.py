"""Mutations of the contacts schema: each changes only the caller's own contacts."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from mailcore.contacts import book
from mailcore.contacts.errors import ContactError
from mailcore.contacts.vcard import Fields
from schema.admin.types import Done
from schema.contacts.types import (
    ContactErrorType,
    ContactImport,
    ContactImportResult,
    DeletePersonalContactResult,
    PersonalContactResult,
    PersonalContactType,
    parse_id,
)
from schema.permissions import IsAuthenticated


@strawberry.input
class PersonalContactInput:
    name: str = ""
    emails: list[str] = strawberry.field(default_factory=list)
    phones: list[str] = strawberry.field(default_factory=list)
    organization: str = ""
    title: str = ""
    notes: str = ""
    birthday: str = strawberry.field(default="", description="YYYY-MM-DD or --MM-DD.")
    categories: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="Fields left out (null) stay as they are; lists replace.")
class PersonalContactUpdate:
    name: str | None = None
    emails: list[str] | None = None
    phones: list[str] | None = None
    organization: str | None = None
    title: str | None = None
    notes: str | None = None
    birthday: str | None = None
    categories: list[str] | None = None


@strawberry.type
class ContactsMutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def create_personal_contact(
        self, info: Info, input: PersonalContactInput
    ) -> PersonalContactResult:
        fields = Fields(
            name=input.name,
            emails=input.emails,
            phones=input.phones,
            organization=input.organization,
            title=input.title,
            notes=input.notes,
            birthday=input.birthday,
            categories=input.categories,
        )
        try:
            return PersonalContactType.of(await book.create(info.context.member_id, fields))
        except ContactError as exc:
            return ContactErrorType.of(exc)

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Change a contact's fields; the card's other properties (photo, "
        "addresses, X- properties) stay as they are.",
    )
    async def update_personal_contact(
        self, info: Info, id: strawberry.ID, input: PersonalContactUpdate
    ) -> PersonalContactResult:
        try:
            contact = await book.update(
                info.context.member_id,
                parse_id(id),
                name=input.name,
                emails=input.emails,
                phones=input.phones,
                organization=input.organization,
                title=input.title,
                notes=input.notes,
                birthday=input.birthday,
                categories=input.categories,
            )
        except ContactError as exc:
            return ContactErrorType.of(exc)
        return PersonalContactType.of(contact)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def delete_personal_contact(
        self, info: Info, id: strawberry.ID
    ) -> DeletePersonalContactResult:
        try:
            await book.delete(info.context.member_id, parse_id(id))
        except ContactError as exc:
            return ContactErrorType.of(exc)
        return Done()

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Add the cards of a .vcf file (its text); a card whose UID you have "
        "replaces that contact; refused cards are listed with the reason.",
    )
    async def import_personal_contacts(self, info: Info, data: str) -> ContactImportResult:
        try:
            return ContactImport.of(await book.import_vcf(info.context.member_id, data))
        except ContactError as exc:
            return ContactErrorType.of(exc)
