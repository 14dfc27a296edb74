"""vCards in and out (mailcore/contacts/vcard.py): reading what clients and phones write,
the columns, a change that keeps the rest of the card, the checks of typed input, and the
splitting of a .vcf file into cards."""

from __future__ import annotations

import pytest

from mailcore.contacts import vcard
from mailcore.contacts.errors import ContactError, ContactErrorCode
from mailcore.contacts.vcard import Fields

APPLE = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n"
    "N:Appleseed;Johnny;;;\r\nFN:Johnny Appleseed\r\nORG:Apple Inc.;Engineering\r\n"
    "TITLE:Engineer\r\nitem1.EMAIL;type=INTERNET;type=pref:johnny@apple.test\r\n"
    "item1.X-ABLabel:_$!<Other>!$_\r\nTEL;type=CELL;type=VOICE;type=pref:(408) 555-5270\r\n"
    "BDAY;VALUE=date:1980-04-01\r\nNOTE:Line one\\nLine two\\, with a comma\r\n"
    "CATEGORIES:Friends,Work\r\nUID:apple-1\r\nEND:VCARD\r\n"
)


def test_an_apple_card_gives_its_columns():
    fields = vcard.fields_of(vcard.read(APPLE))
    assert fields == Fields(
        name="Johnny Appleseed",
        emails=["johnny@apple.test"],
        phones=["(408) 555-5270"],
        organization="Apple Inc.",
        title="Engineer",
        notes="Line one\nLine two, with a comma",
        birthday="1980-04-01",
        categories=["Friends", "Work"],
    )


def test_the_name_falls_back_to_n_org_and_address():
    text = "BEGIN:VCARD\r\nVERSION:4.0\r\nN:王;小明;;;\r\nBDAY:--0520\r\nEND:VCARD\r\n"
    fields = vcard.fields_of(vcard.read(text))
    assert fields.name == "王小明" and fields.birthday == "--05-20"
    text = "BEGIN:VCARD\r\nVERSION:3.0\r\nEMAIL:a@b.test\r\nBDAY:not a date\r\nEND:VCARD\r\n"
    fields = vcard.fields_of(vcard.read(text))
    assert fields.name == "a@b.test" and fields.birthday == ""


def test_a_change_keeps_the_other_properties_and_kept_parameters():
    card = vcard.read(APPLE)
    fields = vcard.fields_of(card)
    fields.title = "Manager"
    fields.phones = ["(408) 555-5270", "+1 555 0100"]
    fields.birthday = "--12-24"
    vcard.apply(card, fields)
    text = vcard.text_of(card)
    assert "item1.X-ABLABEL:_$!<Other>!$_" in text  # names are case-insensitive
    assert "item1.EMAIL;TYPE=INTERNET,pref:johnny@apple.test" in text
    assert "TEL;TYPE=CELL,VOICE,pref:(408) 555-5270" in text and "TEL:+1 555 0100" in text
    assert "TITLE:Manager" in text and "BDAY:--1224" in text and "UID:apple-1" in text
    assert "ORG:Apple Inc.;Engineering" in text  # the department stays
    assert vcard.fields_of(vcard.read(text)).birthday == "--12-24"


def test_a_new_card_is_a_valid_vcard_3():
    card = vcard.new()
    vcard.apply(card, vcard.check(Fields(name="张三", emails=["Z@X.test"])))
    text = vcard.text_of(card)
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert "FN:张三" in text and "N:张;三;;;" in text and "EMAIL;TYPE=INTERNET:z@x.test" in text


@pytest.mark.parametrize(
    ("text", "code", "field"),
    [
        ("not a card", ContactErrorCode.INVALID, "vcard"),
        ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n", ContactErrorCode.INVALID, "vcard"),
        ("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", ContactErrorCode.INVALID, "vcard"),
        (
            "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:x\r\nEND:VCARD\r\n",
            ContactErrorCode.INVALID,
            "version",
        ),
        ("BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n", ContactErrorCode.INVALID, "version"),
        (
            "BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:" + "x" * vcard.MAX_CARD + "\r\nEND:VCARD\r\n",
            ContactErrorCode.TOO_LARGE,
            "vcard",
        ),
    ],
)
def test_what_is_not_one_card_is_refused(text, code, field):
    with pytest.raises(ContactError) as caught:
        vcard.read(text)
    assert (caught.value.code, caught.value.field) == (code, field)


def test_a_phone_export_in_version_2_1_is_read_when_importing():
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E6=9D=8E=E5=9B=9B"
        "\r\nTEL;CELL:13900000000\r\nEND:VCARD\r\n"
    )
    card = vcard.read(text, upgrade=True)
    assert vcard.fields_of(card).name == "李四"
    assert "VERSION:3.0" in vcard.text_of(card)


def test_split_keeps_each_card_apart():
    cards = vcard.split(APPLE + "garbage\r\n" + APPLE.replace("apple-1", "apple-2"))
    assert len(cards) == 2 and "UID:apple-2" in cards[1] and "garbage" not in "".join(cards)


def test_a_change_leaves_what_a_client_wrote_in_the_other_fields():
    text = (
        "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:v4\r\nFN:Ann\r\nTEL;VALUE=uri;TYPE=cell:tel:+1-555-0100\r\n"
        "EMAIL:ann at example.test\r\nEND:VCARD\r\n"
    )
    card = vcard.read(text)
    fields = vcard.fields_of(card)
    assert fields.phones == ["+1-555-0100"] and fields.emails == ["ann at example.test"]
    fields.title = "Buyer"
    vcard.apply(card, vcard.check(fields, {"title"}))
    out = vcard.text_of(card)
    assert "TEL;TYPE=cell;VALUE=uri:tel:+1-555-0100" in out and "EMAIL:ann at example.test" in out
    assert "TITLE:Buyer" in out
    with pytest.raises(ContactError) as caught:
        vcard.check(fields, {"emails"})  # an address the apps would not take, when changed
    assert caught.value.field == "emails"
