"""A member's address book: list and search (keyset pages in pinyin order), one contact,
create / change / delete from the apps, a card written whole over CardDAV, import and
export of .vcf files. Every function takes the owner's member id and finds only their own
contacts: another member's contact is NOT_FOUND, as one that does not exist."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from vobject.base import Component

from mailcore.contacts import vcard
from mailcore.contacts.errors import ContactError, ContactErrorCode
from mailcore.contacts.vcard import Fields
from mailcore.core import keyset
from mailcore.core.models import PersonalContact
from mailcore.directory.keys import query_forms, search_key

MAX_CONTACTS = 5000  # per member
MAX_EXPORT = 20 * 1024 * 1024  # characters of one .vcf export
EXPORT_BATCH = 200
MAX_IMPORT = 900 * 1024  # characters of one .vcf import (a GraphQL body is at most 1 MB)
DEFAULT_PAGE = 50
MAX_PAGE = 200
QUERY_MAX = 64
SUFFIX = ".vcf"


@dataclass
class Page:
    contacts: list[PersonalContact]
    has_next: bool
    end_cursor: str | None
    total: int


@dataclass
class Refused:
    index: int  # the card's place in the file, from 1
    name: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    refused: list[Refused] = field(default_factory=list)


def not_found() -> ContactError:
    return ContactError(ContactErrorCode.NOT_FOUND, "no such contact", "id")


def etag(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _key(fields: Fields) -> str:
    extra = [*fields.emails[1:], *fields.phones, fields.organization, *fields.categories]
    key = search_key(fields.name, next(iter(fields.emails), ""))
    digits = ["".join(ch for ch in p if ch.isdigit()) for p in fields.phones]
    parts = [key, *(e.lower() for e in extra if e), *(d for d in digits if d)]
    return "|".join(parts)[:1024]


def _columns(fields: Fields) -> dict:
    return {
        "name": fields.name,
        "search_key": _key(fields),
        "emails": fields.emails,
        "phones": fields.phones,
        "organization": fields.organization,
        "title": fields.title,
        "notes": fields.notes,
        "birthday": fields.birthday,
        "categories": fields.categories,
    }


def encode_cursor(contact: PersonalContact) -> str:
    raw = json.dumps([contact.search_key, contact.id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_cursor(cursor: str | None) -> tuple[str, int] | None:
    if not cursor:
        return None
    try:
        key, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(key, str) or not isinstance(pk, int):
            raise ValueError(cursor)
    except (ValueError, TypeError) as exc:
        raise vcard.invalid("not a valid cursor", "after") from exc
    return key, pk


def _matching(query: str | None) -> Q:
    text = " ".join((query or "").split())
    if len(text) > QUERY_MAX or any(ord(ch) < 32 for ch in text):
        raise vcard.invalid(f"a search has at most {QUERY_MAX} characters", "query")
    forms = query_forms(text)
    if not forms:
        return Q()
    return Q(*[Q(search_key__contains=form) for form in forms], join_type=Q.OR)


async def page(
    member_id: int, query: str | None = None, first: int | None = None, after: str | None = None
) -> Page:
    """One page of the member's contacts whose name (or its pinyin, initials), address,
    phone number, organisation or group contains ``query``, in pinyin order."""
    size = DEFAULT_PAGE if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise vcard.invalid(f"first must be between 1 and {MAX_PAGE}", "first")
    where = Q(member_id=member_id) & _matching(query)
    rows = PersonalContact.filter(where)
    cursor = _decode_cursor(after)
    if cursor is not None:
        rows = rows.filter(keyset.after("search_key", cursor[0], cursor[1], descending=False))
    found = list(await rows.order_by("search_key", "id").limit(size + 1))
    has_next = len(found) > size
    found = found[:size]
    total = await PersonalContact.filter(where).count()
    return Page(found, has_next, encode_cursor(found[-1]) if found else None, total)


async def get(member_id: int, contact_id: int) -> PersonalContact:
    found = await PersonalContact.filter(id=contact_id, member_id=member_id).first()
    if found is None:
        raise not_found()
    return found


async def _room(member_id: int, adding: int = 1) -> None:
    if await PersonalContact.filter(member_id=member_id).count() + adding > MAX_CONTACTS:
        raise ContactError(
            ContactErrorCode.LIMIT_REACHED,
            f"an address book holds at most {MAX_CONTACTS} contacts",
            "id",
        )


async def _save(contact: PersonalContact, text: str, fields: Fields) -> PersonalContact:
    contact.vcard = text
    contact.etag = etag(text)
    for name, value in _columns(fields).items():
        setattr(contact, name, value)
    try:
        await contact.save()
    except IntegrityError:
        raise ContactError(
            ContactErrorCode.CONFLICT, "another contact has this UID", "vcard"
        ) from None
    return contact


async def create(member_id: int, fields: Fields) -> PersonalContact:
    fields = vcard.check(fields)
    await _room(member_id)
    card = vcard.new()
    vcard.apply(card, fields)
    text = vcard.text_of(card)
    uid = vcard.uid_of(card)
    contact = PersonalContact(member_id=member_id, uid=uid, resource=uid + SUFFIX)
    return await _save(contact, text, vcard.fields_of(vcard.read(text)))


async def update(member_id: int, contact_id: int, **changes: object) -> PersonalContact:
    """Change the fields given (None: unchanged); the card's other properties stay."""
    contact = await get(member_id, contact_id)
    card = vcard.read(contact.vcard)
    given = {name for name, value in changes.items() if value is not None}
    merged = vcard.merge(_fields(contact), **changes)  # type: ignore[arg-type]
    fields = vcard.check(merged, given)
    vcard.apply(card, fields)
    text = vcard.text_of(card)
    return await _save(contact, text, vcard.fields_of(vcard.read(text)))


def _fields(contact: PersonalContact) -> Fields:
    return Fields(
        name=contact.name,
        emails=list(contact.emails),
        phones=list(contact.phones),
        organization=contact.organization,
        title=contact.title,
        notes=contact.notes,
        birthday=contact.birthday,
        categories=list(contact.categories),
    )


async def delete(member_id: int, contact_id: int) -> None:
    contact = await get(member_id, contact_id)
    await contact.delete()


def parse_card(text: str, upgrade: bool = False) -> tuple[Component, Fields]:
    card = vcard.read(text, upgrade)
    return card, vcard.fields_of(card)


async def put(
    member_id: int, resource: str, text: str, existing: PersonalContact | None
) -> PersonalContact:
    """A card written whole (CardDAV PUT), stored byte for byte once read: its UID (the
    resource's name when it has none) must be new to the book or the same as before."""
    card, fields = parse_card(text)
    uid = vcard.uid_of(card) or resource.removesuffix(SUFFIX)
    if len(uid) > 255:
        raise vcard.invalid("a UID has at most 255 characters", "uid")
    if existing is None:
        await _room(member_id)
        contact = PersonalContact(member_id=member_id, uid=uid, resource=resource)
    else:
        contact = existing
        contact.uid = uid
    return await _save(contact, text, fields)


async def import_vcf(member_id: int, text: str) -> ImportReport:
    """Every card of a .vcf file: a card whose UID the book holds replaces that contact,
    others are added; each card refused (not vCard, too large, the book full) is reported
    with its place and the reason, and the others are stored."""
    if len(text) > MAX_IMPORT:
        raise ContactError(
            ContactErrorCode.TOO_LARGE, f"a file is at most {MAX_IMPORT // 1024} KB", "data"
        )
    cards = vcard.split(text)
    if not cards:
        raise vcard.invalid("the file holds no vCard", "data")
    report = ImportReport()
    count = await PersonalContact.filter(member_id=member_id).count()
    for index, raw in enumerate(cards, 1):
        name = ""
        try:
            card, fields = parse_card(raw, upgrade=True)
            name = fields.name
            if vcard.uid_of(card) == "":
                card.add("uid").value = vcard.new().uid.value
            uid = vcard.uid_of(card)[:255]
            stored = vcard.text_of(card)
            existing = await PersonalContact.filter(member_id=member_id, uid=uid).first()
            if existing is None:
                if count >= MAX_CONTACTS:
                    raise ContactError(
                        ContactErrorCode.LIMIT_REACHED,
                        f"an address book holds at most {MAX_CONTACTS} contacts",
                    )
                resource = uid + SUFFIX
                if await PersonalContact.filter(member_id=member_id, resource=resource).exists():
                    resource = vcard.new().uid.value + SUFFIX
                contact = PersonalContact(member_id=member_id, uid=uid, resource=resource)
                await _save(contact, stored, fields)
                count += 1
                report.created += 1
            else:
                await _save(existing, stored, fields)
                report.updated += 1
        except ContactError as exc:
            report.refused.append(Refused(index, name or _guess_name(raw), exc.message))
    return report


def _guess_name(raw: str) -> str:
    for line in raw.splitlines():
        head, _, value = line.partition(":")
        if head.split(";")[0].strip().upper() == "FN":
            return value.strip()[:100]
    return ""


async def export_vcf(member_id: int, ids: list[int] | None = None) -> str:
    """The member's contacts (all, or those of ``ids``) as one .vcf file, read in batches;
    refused past ``MAX_EXPORT`` (a book of photos is synced over CardDAV instead)."""
    rows = PersonalContact.filter(member_id=member_id)
    if ids is not None:
        rows = rows.filter(id__in=ids or [0])
    order = await rows.order_by("search_key", "id").values_list("id", flat=True)
    parts: list[str] = []
    size = 0
    for start in range(0, len(order), EXPORT_BATCH):
        batch = list(order[start : start + EXPORT_BATCH])
        texts = dict(await PersonalContact.filter(id__in=batch).values_list("id", "vcard"))
        for pk in batch:
            text = texts.get(pk, "")
            size += len(text)
            if size > MAX_EXPORT:
                raise ContactError(
                    ContactErrorCode.TOO_LARGE,
                    f"an export is at most {MAX_EXPORT // (1024 * 1024)} MB: "
                    "sync the book over CardDAV",
                    "ids",
                )
            if text:
                parts.append(text if text.endswith("\n") else text + "\r\n")
    return "".join(parts)
