"""build_message round trips through parse_message; reply/forward helpers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from mailcore.core.mime.build import (
    OutgoingAttachment,
    build_message,
    build_references,
    forward_subject,
    reply_subject,
)
from mailcore.core.mime.parse import get_attachment, parse_message
from mailcore.core.mime.structure import Part, build_tree
from mailcore.core.mime.types import Address

ALICE = Address("张三", "zhangsan@example.cn")
BOB = Address("李四 (Bob)", "bob@example.com")
CAROL = Address('Carol "C", Jr.', "carol@example.com")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def _build(**kwargs: object) -> tuple[bytes, str]:
    args: dict[str, object] = {
        "from_": ALICE,
        "to": [BOB],
        "cc": [],
        "subject": "测试",
        "text": "hello",
        "html": None,
    }
    args.update(kwargs)
    return build_message(**args)  # type: ignore[arg-type]


def _shape(part: Part) -> object:
    if part.children:
        return {part.content_type: [_shape(c) for c in part.children]}
    return part.content_type


def _headers(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0]


def test_crlf_only_and_7bit() -> None:
    raw, _ = _build(
        text="第一行\n第二行\r\n" + "长" * 2000,
        html="<p>中文</p>\n<p>x</p>",
        attachments=[OutgoingAttachment("a.txt", "text/plain", b"x\ny\rz")],
    )
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    assert raw.isascii()  # everything encoded for 7-bit transport
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_round_trip_chinese() -> None:
    when = datetime(2024, 6, 3, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    raw, mid = _build(
        to=[BOB, CAROL],
        cc=[Address("王五", "wangwu@example.cn")],
        subject="关于 2024 年度预算的讨论（第二轮）" * 3,
        text="各位好：\n\n请查看附件。",
        attachments=[
            OutgoingAttachment(
                "年度预算（最终版）-财务部-非常长的文件名称.xlsx",
                "application/vnd.ms-excel",
                b"x" * 10,
            ),
        ],
        date=when,
        domain="mail.example.cn",
    )
    msg = parse_message(raw)
    assert msg.message_id == mid and mid.endswith("@mail.example.cn")
    assert msg.subject == "关于 2024 年度预算的讨论（第二轮）" * 3
    assert msg.from_ == ALICE
    assert msg.to == [BOB, CAROL]
    assert msg.cc == [Address("王五", "wangwu@example.cn")]
    assert msg.date == when.astimezone(UTC)
    assert msg.text == "各位好：\n\n请查看附件。"
    assert msg.html is None
    [att] = msg.attachments
    assert att.filename == "年度预算（最终版）-财务部-非常长的文件名称.xlsx"
    assert att.content_type == "application/vnd.ms-excel"
    assert get_attachment(raw, 0) == (att, b"x" * 10)
    assert b"filename*" in raw  # RFC 2231
    assert b"=?utf-8?" in _headers(raw)  # RFC 2047


def test_bcc_never_written() -> None:
    raw, _ = _build(extra_headers={"Bcc": "secret@example.com", "X-Mailer": "Qiyou"})
    assert b"bcc" not in _headers(raw).lower()
    assert b"secret" not in raw
    assert b"X-Mailer: Qiyou" in raw


def test_header_injection_is_neutralised() -> None:
    raw, _ = _build(
        subject="hi\r\nBcc: evil@example.com",
        to=[Address("x\r\nBcc: evil@example.com", "bob@example.com")],
        extra_headers={
            "X-Test": "a\r\nBcc: evil@example.com",
            "Bad Name": "v",
            "Content-Type": "x",
        },
    )
    lines = _headers(raw).split(b"\r\n")
    assert not any(line.lower().startswith(b"bcc:") for line in lines)
    assert b"Bad Name" not in raw
    assert parse_message(raw).subject == "hi Bcc: evil@example.com"


def test_threading_headers() -> None:
    refs = build_references("<parent@x>", ["<root@x>", "mid@x"])
    assert refs == ["root@x", "mid@x", "parent@x"]
    raw, mid = _build(in_reply_to="parent@x", references=refs, message_id="<fixed@x>")
    assert mid == "fixed@x"
    msg = parse_message(raw)
    assert msg.message_id == "fixed@x"
    assert msg.in_reply_to == "parent@x"
    assert msg.references == ["root@x", "mid@x", "parent@x"]
    assert b"In-Reply-To: <parent@x>" in raw
    assert b"Message-ID: <fixed@x>" in raw


def test_build_references_dedupes_and_caps() -> None:
    assert build_references("a@x", []) == ["a@x"]
    assert build_references(None, ["<a@x> <b@x>"]) == ["a@x", "b@x"]
    assert build_references("<b@x>", ["a@x", "b@x"]) == ["a@x", "b@x"]
    long = build_references("last@x", [f"r{i}@x" for i in range(100)])
    assert len(long) == 20 and long[0] == "r0@x" and long[-1] == "last@x"


def test_generated_ids_and_date() -> None:
    raw1, mid1 = _build()
    raw2, mid2 = _build()
    assert mid1 != mid2 and mid1.endswith("@localhost")
    msg = parse_message(raw1)
    assert msg.date is not None
    assert abs((datetime.now(UTC) - msg.date).total_seconds()) < 60


def test_structure_text_only() -> None:
    raw, _ = _build()
    assert _shape(build_tree(raw)) == "text/plain"
    assert parse_message(raw).text == "hello"


def test_structure_html_only_derives_text() -> None:
    raw, _ = _build(text=None, html="<h1>Title</h1><p>Para &amp; more<br>next</p>")
    assert _shape(build_tree(raw)) == {"multipart/alternative": ["text/plain", "text/html"]}
    msg = parse_message(raw)
    assert msg.text == "Title\n\nPara & more\nnext"
    assert msg.html is not None and "<h1>Title</h1>" in msg.html


def test_structure_full() -> None:
    raw, _ = _build(
        text="see image",
        html='<p>see <img src="cid:logo@x"></p>',
        attachments=[
            OutgoingAttachment("logo.png", "image/png", PNG, content_id="logo@x"),
            OutgoingAttachment("报告.pdf", "application/pdf", b"%PDF-1.4"),
        ],
    )
    assert _shape(build_tree(raw)) == {
        "multipart/mixed": [
            {
                "multipart/alternative": [
                    "text/plain",
                    {"multipart/related": ["text/html", "image/png"]},
                ]
            },
            "application/pdf",
        ]
    }
    msg = parse_message(raw)
    assert msg.text == "see image"
    assert [(a.filename, a.inline, a.content_id) for a in msg.attachments] == [
        ("logo.png", True, "logo@x"),
        ("报告.pdf", False, None),
    ]
    assert get_attachment(raw, 0)[1] == PNG  # type: ignore[index]
    assert msg.has_attachments
    assert raw.count(b"MIME-Version") == 1


def test_inline_image_without_html_is_plain_attachment() -> None:
    raw, _ = _build(attachments=[OutgoingAttachment("i.png", "image/png", PNG, content_id="i@x")])
    assert _shape(build_tree(raw)) == {"multipart/mixed": ["text/plain", "image/png"]}
    [att] = parse_message(raw).attachments
    assert att.content_id == "i@x" and not att.inline


def test_message_attachments_and_bad_types() -> None:
    inner = b"Subject: inner\nFrom: a@b\n\nbody\n"
    raw, _ = _build(
        attachments=[
            OutgoingAttachment("fwd.eml", "message/rfc822", inner),
            OutgoingAttachment("中文.eml", "message/rfc822", "Subject: 你好\r\n\r\n正文".encode()),
            OutgoingAttachment("x", "not a type", b"data"),
        ]
    )
    assert re.search(rb"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 7bit", raw)
    msg = parse_message(raw)
    types = [a.content_type for a in msg.attachments]
    assert types == ["message/rfc822", "application/octet-stream", "application/octet-stream"]
    payload = get_attachment(raw, 0)[1]  # type: ignore[index]
    assert parse_message(payload).subject == "inner"
    assert get_attachment(raw, 1)[1] == "Subject: 你好\r\n\r\n正文".encode()  # type: ignore[index]


def test_idn_and_utf8_local_part() -> None:
    raw, _ = _build(to=[Address("", "a@münchen.de")])
    assert b"a@xn--mnchen-3ya.de" in raw
    raw, _ = _build(to=[Address("用户", "用户@例子.中国")])
    msg = parse_message(raw)  # RFC 6532 UTF-8 headers
    assert msg.to == [Address("用户", "用户@xn--fsqu00a.xn--fiqs8s")]


def test_reply_and_forward_subjects() -> None:
    assert reply_subject("Hello") == "Re: Hello"
    assert reply_subject("Re: Hello") == "Re: Hello"
    assert reply_subject("RE: re: Re[2]: Hello") == "Re: Hello"
    assert reply_subject("回复：答复: Hello") == "Re: Hello"
    assert reply_subject("Fwd: Hello") == "Re: Fwd: Hello"
    assert reply_subject("[dev] Re: Hello") == "Re: [dev] Hello"
    assert reply_subject("") == "Re:"
    assert forward_subject("Hello") == "Fwd: Hello"
    assert forward_subject("Fwd: FW: 转发：Hello") == "Fwd: Hello"
    assert forward_subject("Re: Hello") == "Fwd: Re: Hello"
