"""vCards in and out (RFC 2426 vCard 3.0, RFC 6350 vCard 4.0), through ``vobject``.

A card is kept as its author wrote it: the apps change only the properties they show
(FN, N, EMAIL, TEL, ORG, TITLE, NOTE, BDAY, CATEGORIES) and leave the rest (photos, X-
properties, addresses, parameters of an address kept) as they were. ``fields_of`` reads the
columns of a card whatever wrote it (bounded, never refusing); ``check`` is the stricter
check of what a member types in the apps."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field, replace
from datetime import date

import vobject
from vobject.base import Component

from mailcore.contacts.errors import ContactError, ContactErrorCode
from mailcore.org.addresses import is_valid_address, normalize_address

MAX_CARD = 256 * 1024  # bytes of one card (a photo included); CARDDAV:max-resource-size
MAX_TEXT = 255  # name, organisation, title
MAX_NOTES = 10_000
MAX_VALUES = 50  # addresses, phone numbers, categories of one card
MAX_CATEGORY = 64
MAX_PHONE = 32
VERSIONS = ("3.0", "4.0")
PRODID = "-//Qiyou//Contacts//EN"
_PHONE = re.compile(r"^\+?[0-9(][0-9 ()\-./]*(?:(?:[,;#pPwW]|ext\.?|x|转)\s*[0-9]+)?$")
_CONTROL = {"Cc", "Cs", "Co", "Zl", "Zp"}
_BDAY = re.compile(r"^(\d{4}|--)-?(\d{2})-?(\d{2})(?:T.*)?$")


@dataclass
class Fields:
    """What the apps show and change of a card."""

    name: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    organization: str = ""
    title: str = ""
    notes: str = ""
    birthday: str = ""  # YYYY-MM-DD, --MM-DD (no year) or empty
    categories: list[str] = field(default_factory=list)


def invalid(message: str, field_name: str | None = None) -> ContactError:
    return ContactError(ContactErrorCode.INVALID, message, field_name)


def read(text: str, upgrade: bool = False) -> Component:
    """One vCard from ``text``; refused unless it is exactly one VCARD of version 3.0 or
    4.0 within ``MAX_CARD``. With ``upgrade`` (files phones export) 2.1 is read too and
    turned into 3.0."""
    if len(text.encode()) > MAX_CARD:
        raise ContactError(
            ContactErrorCode.TOO_LARGE, f"a card is at most {MAX_CARD // 1024} KB", "vcard"
        )
    try:
        cards = list(vobject.readComponents(text, validate=False))
    except Exception as exc:  # noqa: BLE001 - any parse failure is the author's bad data
        raise invalid(f"not vCard data: {exc}"[:300], "vcard") from None
    if len(cards) != 1 or cards[0].name != "VCARD":
        raise invalid("one VCARD is expected", "vcard")
    card = cards[0]
    version = card.version.value.strip() if "version" in card.contents else ""
    if version == "2.1" and upgrade:
        card.version.value = "3.0"
    elif version not in VERSIONS:
        raise invalid(f"vCard version {version[:8] or '(none)'} is not supported", "version")
    return card


def new(uid: str | None = None) -> Component:
    card = vobject.vCard()
    card.add("prodid").value = PRODID
    card.add("uid").value = uid or str(uuid.uuid4())
    return card


def uid_of(card: Component) -> str:
    return str(card.uid.value).strip() if "uid" in card.contents else ""


def text_of(card: Component) -> str:
    """The card serialized (folded lines, CRLF); one without FN is refused, as both vCard
    versions require it."""
    try:
        return card.serialize(validate=True)
    except Exception as exc:  # noqa: BLE001 - vobject's ValidateError and value errors
        raise invalid(f"the card cannot be written: {exc}"[:300], "vcard") from None


def _values(card: Component, name: str) -> list:
    return list(card.contents.get(name, []))


def _first(card: Component, name: str) -> str:
    for line in _values(card, name):
        value = line.value
        if isinstance(value, list):
            value = " / ".join(str(v) for v in value if str(v).strip())
        if str(value).strip():
            return str(value).strip()
    return ""


def _n_name(card: Component) -> str:
    for line in _values(card, "n"):
        n = line.value
        if isinstance(n, vobject.vcard.Name):
            family, given = str(n.family or "").strip(), str(n.given or "").strip()
            if _has_han(family + given):
                return family + given
            return " ".join(p for p in (given, family) if p)
        if str(n).strip(" ;"):
            return str(n).strip(" ;")
    return ""


def _has_han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def fields_of(card: Component) -> Fields:
    """The columns of any stored card, bounded to their sizes."""
    emails = [_plain(line.value) for line in _values(card, "email")]
    phones = [_plain(line.value) for line in _values(card, "tel")]
    categories: list[str] = []
    for line in _values(card, "categories"):
        value = line.value if isinstance(line.value, list) else [line.value]
        categories += [str(v).strip() for v in value if str(v).strip()]
    emails = list(dict.fromkeys(e for e in emails if e))
    name = _first(card, "fn") or _n_name(card) or _first(card, "org") or next(iter(emails), "")
    return Fields(
        name=name[:MAX_TEXT],
        emails=[e[:320] for e in emails[:MAX_VALUES]],
        phones=[p[:64] for p in list(dict.fromkeys(p for p in phones if p))[:MAX_VALUES]],
        organization=_company(card)[:MAX_TEXT],
        title=_first(card, "title")[:MAX_TEXT],
        notes=_first(card, "note")[:MAX_NOTES],
        birthday=_birthday(_first(card, "bday")),
        categories=[c[:MAX_CATEGORY] for c in list(dict.fromkeys(categories))[:MAX_VALUES]],
    )


def _plain(value: object) -> str:
    """An address or number without its URI scheme (vCard 4.0 writes ``tel:+1-555-0100``)."""
    text = str(value).strip()
    for scheme in ("tel:", "mailto:"):
        if text.lower().startswith(scheme):
            return text[len(scheme) :].strip()
    return text


def _company(card: Component) -> str:
    """The organisation's name: ORG's first component (its units, such as a department,
    stay in the card as they are)."""
    for line in _values(card, "org"):
        parts = line.value if isinstance(line.value, list) else [line.value]
        if parts and str(parts[0]).strip():
            return str(parts[0]).strip()
    return ""


def _birthday(value: str) -> str:
    """A BDAY as YYYY-MM-DD or --MM-DD; empty when it is no date (text, a bad date)."""
    found = _BDAY.match(value.strip())
    if found is None:
        return ""
    year, month, day = found.groups()
    try:
        date(2000 if year == "--" else int(year), int(month), int(day))
    except ValueError:
        return ""
    return f"--{month}-{day}" if year == "--" else f"{year}-{month}-{day}"


def _line(value: str, label: str, field_name: str, maximum: int, multiline: bool = False) -> str:
    value = value.strip()
    for ch in value:
        if multiline and ch in "\n\t":
            continue
        if unicodedata.category(ch) in _CONTROL:
            raise invalid(f"{label} must not contain control characters", field_name)
    if len(value) > maximum:
        raise invalid(f"{label} has at most {maximum} characters", field_name)
    return value


def check(fields: Fields, changed: set[str] | None = None) -> Fields:
    """What a member typed, cleaned; a ContactError names the field at fault. With
    ``changed``, only those fields are checked: the others are the card's as a client wrote
    it (a number as a ``tel:`` URI, an address this server would not accept), kept as they
    are when a member changes something else."""

    def checked(name: str) -> bool:
        return changed is None or name in changed

    def text(value: str, label: str, name: str, maximum: int, multiline: bool = False) -> str:
        if not checked(name):
            return value.strip()
        return _line(value, label, name, maximum, multiline)

    name = text(" ".join(fields.name.split()), "a name", "name", MAX_TEXT)
    emails = list(dict.fromkeys(e.strip() for e in fields.emails if e.strip()))
    if checked("emails"):
        emails = list(dict.fromkeys(normalize_address(e) for e in emails))
        for address in emails:
            if not is_valid_address(address):
                raise invalid(f"not a valid address: {address[:100]!r}", "emails")
    phones = list(dict.fromkeys(" ".join(p.split()) for p in fields.phones if p.strip()))
    for phone in phones if checked("phones") else []:
        if len(phone) > MAX_PHONE or not _PHONE.match(phone):
            raise invalid(f"not a phone number: {phone[:40]!r}", "phones")
    categories = list(dict.fromkeys(" ".join(c.split()) for c in fields.categories if c.strip()))
    for category in categories:
        text(category, "a group name", "categories", MAX_CATEGORY)
    for values, field_name in ((emails, "emails"), (phones, "phones"), (categories, "categories")):
        if len(values) > MAX_VALUES:
            raise invalid(f"at most {MAX_VALUES} values", field_name)
    birthday = fields.birthday.strip()
    if checked("birthday") and birthday and _birthday(birthday) != birthday:
        raise invalid("a birthday is YYYY-MM-DD, or --MM-DD without the year", "birthday")
    if not (name or emails or phones):
        raise invalid("a contact needs a name, an address or a phone number", "name")
    return Fields(
        name=name,
        emails=emails,
        phones=phones,
        organization=text(fields.organization, "an organisation", "organization", MAX_TEXT),
        title=text(fields.title, "a title", "title", MAX_TEXT),
        notes=text(fields.notes, "notes", "notes", MAX_NOTES, multiline=True),
        birthday=birthday,
        categories=categories,
    )


def merge(old: Fields, name=None, emails=None, phones=None, organization=None, title=None,
          notes=None, birthday=None, categories=None) -> Fields:  # fmt: skip
    """``old`` with the values given (None: unchanged)."""
    given = {
        "name": name, "emails": emails, "phones": phones, "organization": organization,
        "title": title, "notes": notes, "birthday": birthday, "categories": categories,
    }  # fmt: skip
    return replace(old, **{k: v for k, v in given.items() if v is not None})


def apply(card: Component, fields: Fields) -> None:
    """Write ``fields`` into ``card``, keeping every other property; an address or number
    that stays keeps its parameters (TYPE=WORK ...)."""
    _set_single(card, "fn", fields.name or _fallback_name(fields))
    if fields.name or "n" not in card.contents:
        _set_n(card, fields.name)
    _set_many(card, "email", fields.emails, {"TYPE": ["INTERNET"]})
    _set_many(card, "tel", fields.phones, {})
    if fields.organization:
        old = _values(card, "org")
        rest = old[0].value[1:] if old and isinstance(old[0].value, list) else []
        card.contents.pop("org", None)
        card.add("org").value = [fields.organization, *rest]
    else:
        card.contents.pop("org", None)
    _set_single(card, "title", fields.title)
    _set_single(card, "note", fields.notes)
    birthday = fields.birthday  # --MM-DD is written --MMDD (RFC 6350 section 4.3.1)
    if birthday.startswith("--"):
        birthday = "--" + birthday[2:].replace("-", "")
    _set_single(card, "bday", birthday)
    card.contents.pop("categories", None)
    if fields.categories:
        card.add("categories").value = list(fields.categories)


def _fallback_name(fields: Fields) -> str:
    return next(iter(fields.emails), "") or next(iter(fields.phones), "") or fields.organization


def _set_single(card: Component, name: str, value: str) -> None:
    card.contents.pop(name, None)
    if value:
        card.add(name).value = value


def _set_n(card: Component, name: str) -> None:
    card.contents.pop("n", None)
    if _has_han(name) and " " not in name and len(name) <= 4:
        family, given = name[:1], name[1:]
    else:
        given, _, family = name.rpartition(" ") if " " in name else (name, "", "")
    card.add("n").value = vobject.vcard.Name(family=family, given=given)


def _set_many(card: Component, name: str, values: list[str], params: dict) -> None:
    kept = {_plain(line.value).lower(): line for line in _values(card, name)}
    card.contents.pop(name, None)
    for value in values:
        line = kept.get(value.lower())
        if line is not None:  # as written before (its URI form, its parameters)
            card.contents.setdefault(name, []).append(line)
            continue
        made = card.add(name)
        made.value = value
        for key, param in params.items():
            made.params[key] = list(param)


def split(text: str) -> list[str]:
    """The cards of a .vcf file, each as its own text (a broken card is refused alone)."""
    cards: list[str] = []
    current: list[str] | None = None
    depth = 0
    for line in text.splitlines():
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            depth += 1
            if depth == 1:
                current = []
        if current is not None:
            current.append(line)
        if upper == "END:VCARD" and depth:
            depth -= 1
            if depth == 0 and current is not None:
                cards.append("\r\n".join(current) + "\r\n")
                current = None
    return cards
