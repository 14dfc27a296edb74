"""The old server's URL and the members' list (``mailcore/migration/source.py``): every scheme
with its default port and security, bad URLs as INVALID on ``source``; CSV (with or without
a header, GBK) and XLSX rows of old address, old password, new address."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from mailcore.core.models import ExternalProtocol, ExternalSecurity
from mailcore.migration.errors import MigrationError, MigrationErrorCode
from mailcore.migration.source import MemberLine, Source, clean_line, parse_source, read_members

IMAP, POP3 = ExternalProtocol.IMAP, ExternalProtocol.POP3
TLS, STARTTLS, NONE = ExternalSecurity.TLS, ExternalSecurity.STARTTLS, ExternalSecurity.NONE


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("imaps://Mail.Old.Example", Source(IMAP, TLS, "mail.old.example", 993)),
        ("imap://10.0.0.5:1143", Source(IMAP, NONE, "10.0.0.5", 1143)),
        ("imap+starttls://old.example", Source(IMAP, STARTTLS, "old.example", 143)),
        ("pop3s://pop.old.example:995/", Source(POP3, TLS, "pop.old.example", 995)),
        ("pop3://old.example", Source(POP3, NONE, "old.example", 110)),
    ],
)
def test_sources(url, expected):
    assert parse_source(url) == expected
    assert parse_source(expected.url) == expected  # the URL shown is read back the same


@pytest.mark.parametrize(
    "url",
    [
        "ftp://old.example",
        "imaps://",
        "imaps://user:pw@old.example",
        "imaps://old.example:99999",
        "imaps://old.example/INBOX",
        "imaps://bad host",
        "old.example:993",
    ],
)
def test_bad_sources(url):
    with pytest.raises(MigrationError) as caught:
        parse_source(url)
    assert (caught.value.code, caught.value.field) == (MigrationErrorCode.INVALID, "source")


def test_csv_with_a_header_in_gbk():
    text = (
        "旧邮箱,旧密码,新邮箱\r\nzhang@old.cn,密码1,zhang@new.cn\r\n\r\nli@old.cn,p2,li@new.cn\r\n"
    )
    assert read_members(text.encode("gbk"), "members.csv") == [
        MemberLine("zhang@old.cn", "密码1", "zhang@new.cn"),
        MemberLine("li@old.cn", "p2", "li@new.cn"),
    ]


def test_csv_without_a_header_and_a_short_row():
    assert read_members(b"a@old.cn,pw,a@new.cn\n") == [MemberLine("a@old.cn", "pw", "a@new.cn")]
    with pytest.raises(MigrationError) as caught:
        read_members(b"a@old.cn,pw,a@new.cn\nb@old.cn,pw\n")
    assert caught.value.field == "members" and "row 2" in caught.value.message


def test_xlsx():
    book = Workbook()
    sheet = book.active
    sheet.append(["old address", "old password", "new address"])
    sheet.append(["a@old.cn", "12345", "a@new.cn"])  # a numeric-looking password stays text
    data = io.BytesIO()
    book.save(data)
    assert read_members(data.getvalue(), "m.xlsx") == [MemberLine("a@old.cn", "12345", "a@new.cn")]


def test_lines_are_checked():
    assert clean_line(MemberLine(" a@old.cn ", "pw", " A@New.CN "), "members.0") == MemberLine(
        "a@old.cn", "pw", "a@new.cn"
    )
    for line, field in [
        (MemberLine("", "pw", "a@new.cn"), "members.0.oldAddress"),
        (MemberLine("a@old.cn", "", "a@new.cn"), "members.0.oldPassword"),
        (MemberLine("a@old.cn", "pw", "nobody"), "members.0.newAddress"),
    ]:
        with pytest.raises(MigrationError) as caught:
            clean_line(line, "members.0")
        assert caught.value.field == field
