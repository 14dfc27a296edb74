"""parse_message / get_attachment: golden corpus, decoding details, and never-raise stress cases."""

from __future__ import annotations

import base64
import json
import random
import time
from pathlib import Path

import pytest

from mailcore.core.mime import parse as parse_module
from mailcore.core.mime.charset import decode_bytes, decode_header_bytes
from mailcore.core.mime.headers import decode_words, parse_params
from mailcore.core.mime.parse import get_attachment, get_attachments, parse_message
from mailcore.core.mime.types import Address, ParsedMessage

CORPUS = Path(__file__).parents[2] / "data" / "mime"
CASES = sorted(p.stem for p in CORPUS.glob("*.eml"))


def _addr(a: Address | None) -> list[str] | None:
    return None if a is None else [a.name, a.address]


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 25
    for case in CASES:
        assert (CORPUS / f"{case}.json").exists(), f"{case}.json missing"


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    raw = (CORPUS / f"{case}.eml").read_bytes()
    want = json.loads((CORPUS / f"{case}.json").read_text(encoding="utf-8"))
    msg = parse_message(raw)
    assert msg.subject == want["subject"]
    assert _addr(msg.from_) == want["from"]
    assert [_addr(a) for a in msg.to] == want["to"]
    assert [_addr(a) for a in msg.cc] == want["cc"]
    assert (msg.date.isoformat() if msg.date else None) == want["date"]
    assert msg.message_id == want["message_id"]
    assert msg.in_reply_to == want["in_reply_to"]
    assert msg.references == want["references"]
    if "text" in want:
        assert msg.text == want["text"]
    for fragment in want.get("text_contains", []):
        assert fragment in msg.text
    assert (msg.html is not None) == want["html_present"]
    got = [
        {"filename": a.filename, "content_type": a.content_type, "size": a.size, "inline": a.inline}
        for a in msg.attachments
    ]
    assert got == want["attachments"]
    assert msg.size == len(raw)
    assert [a.index for a in msg.attachments] == list(range(len(msg.attachments)))
    for att in msg.attachments:  # same numbering, and payload size matches
        found = get_attachment(raw, att.index)
        assert found is not None
        info, data = found
        assert info == att
        assert len(data) == att.size


# ---------------------------------------------------------------- details


def test_preview_and_has_attachments() -> None:
    msg = parse_message((CORPUS / "15_inline_cid_related.eml").read_bytes())
    assert msg.has_attachments  # unused.png and sources.zip
    assert msg.attachments[0].content_id == "logo123@example.com"
    assert msg.html is not None and "cid:logo123@example.com" in msg.html
    long = parse_message(b"Subject: x\r\n\r\n" + ("word   \r\n" * 500).encode())
    assert long.preview.startswith("word word")
    assert len(long.preview) <= 201
    assert "  " not in long.preview


def test_inline_only_message_has_no_attachments() -> None:
    raw = (CORPUS / "15_inline_cid_related.eml").read_bytes()
    raw = raw.split(b'--rel\r\nContent-Type: image/png; name="unused.png"')[0] + b"--rel--\r\n"
    msg = parse_message(raw)
    assert [a.inline for a in msg.attachments] == [True]
    assert not msg.has_attachments


def test_get_attachment_payloads() -> None:
    raw = (CORPUS / "12_multipart_mixed_attachments.eml").read_bytes()
    info, data = get_attachment(raw, 0)  # type: ignore[misc]
    assert info.filename == "report.pdf" and data.startswith(b"%PDF-1.4")
    assert get_attachment(raw, 1)[1] == b"a,b,c\r\n1,2,3"  # type: ignore[index]
    assert get_attachment(raw, 2)[1] == bytes(range(10))  # type: ignore[index]
    assert get_attachment(raw, 3) is None
    assert get_attachment(raw, -1) is None
    assert get_attachment(b"", 0) is None
    fwd = (CORPUS / "23_forward_rfc822.eml").read_bytes()
    info, data = get_attachment(fwd, 0)  # type: ignore[misc]
    assert info.content_type == "message/rfc822"
    inner = parse_message(data)
    assert inner.subject == "项目进度"
    assert inner.message_id == "inner-1@example.net"
    assert [a.filename for a in inner.attachments] == ["inner.pdf"]


def test_several_attachments_come_from_one_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = (CORPUS / "12_multipart_mixed_attachments.eml").read_bytes()
    parses = []
    real = parse_module.build_tree
    monkeypatch.setattr(parse_module, "build_tree", lambda data: parses.append(1) or real(data))
    found = get_attachments(raw, [2, 0, 7, -1, 1])
    assert len(parses) == 1  # not one parse per attachment (quadratic in a mail of many parts)
    assert sorted(found) == [0, 1, 2]  # 7 and -1 do not exist
    for index, (info, data) in found.items():
        assert info.index == index
        assert (info, data) == get_attachment(raw, index)
    assert found[1][1] == b"a,b,c\r\n1,2,3"
    assert get_attachments(raw, []) == {} and get_attachments(b"", [0]) == {}


def test_encoded_words() -> None:
    # A 3-byte character split across two adjacent B words of the same charset.
    data = "测试".encode()
    w1 = base64.b64encode(data[:4]).decode()
    w2 = base64.b64encode(data[4:]).decode()
    assert decode_words(f"=?utf-8?B?{w1}?= =?utf-8?B?{w2}?=") == "测试"
    # Malformed padding, lowercase encoding letter, language suffix, words inside quotes.
    assert decode_words("=?UTF-8?b?5Lit5paH?=") == "中文"
    assert decode_words("=?utf-8*zh?B?5Lit5paH?=") == "中文"
    assert decode_words('"=?utf-8?Q?a=20b?=" <x@y>') == '"a b" <x@y>'
    # Text between words is kept, whitespace between words dropped.
    assert decode_words("A =?utf-8?Q?b?= =?utf-8?Q?c?= d") == "A bc d"
    # Broken words are left as they are; they never raise.
    assert decode_words("=?utf-8?B?@@@?=") == ""
    assert decode_words("=?utf-8?X?abc?=") == "=?utf-8?X?abc?="
    assert decode_words("=?") == "=?"


def test_rfc2231_params() -> None:
    main, params = parse_params(
        "attachment; filename*0*=utf-8''%E4%B8%AD; filename*1*=%E6%96%87; filename*2=.txt"
    )
    assert main == "attachment" and params["filename"] == "中文.txt"
    _, params = parse_params('inline; FILENAME="a;b.txt"; size=12')
    assert params == {"filename": "a;b.txt", "size": "12"}
    _, params = parse_params("attachment; filename*=''%E4%B8%AD%E6%96%87.txt")
    assert params["filename"] == "中文.txt"
    _, params = parse_params('attachment; filename="unterminated.txt')
    assert params["filename"] == "unterminated.txt"


def test_charset_fallbacks() -> None:
    assert decode_bytes("镕".encode("gbk"), "gb2312") == "镕"
    assert decode_bytes("體".encode("big5"), "BIG5") == "體"
    assert decode_bytes("中文".encode(), "gb2312") == "中文"  # valid UTF-8 mislabelled
    assert decode_bytes("中文".encode("gbk"), "utf-8") == "中文"
    assert decode_bytes("中文".encode("gbk"), "x-nonsense") == "中文"
    assert decode_bytes(b"caf\xe9", "iso-8859-1") == "café"
    assert decode_bytes("中文".encode("gbk"), "base64") == "中文"  # not a text codec: ignored
    assert decode_bytes(b"\x80abc", "utf-8") == "\x80abc"  # last resort: latin-1
    assert decode_bytes(b"\\x41", "unicode_escape") == "\\x41"
    # UTF-8 with one broken byte stays UTF-8 instead of turning into GB18030 mojibake.
    text = decode_bytes("这是一段很长的中文内容，用来测试。".encode() + b"\xff", "utf-8")
    assert text.startswith("这是一段很长的中文内容")
    assert decode_header_bytes("張三".encode("big5"), hint="big5") == "張三"
    assert decode_header_bytes("报告".encode("gbk")) == "报告"


def test_multipart_digest_and_related_start() -> None:
    raw = (
        b'Content-Type: multipart/related; boundary="r"; start="<root@x>"\r\n\r\n'
        b"--r\r\nContent-Type: image/gif\r\nContent-ID: <img@x>\r\n\r\nGIF\r\n"
        b"--r\r\nContent-Type: text/html\r\nContent-ID: <root@x>\r\n\r\n"
        b'<img src="cid:img@x"><b>root</b>\r\n--r--\r\n'
    )
    msg = parse_message(raw)
    assert msg.html is not None and "root" in msg.html
    assert [(a.filename, a.inline) for a in msg.attachments] == [("attachment-1.gif", True)]


def test_list_footer_joins_text() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="m"\r\n\r\n--m\r\n'
        b'Content-Type: multipart/alternative; boundary="a"\r\n\r\n'
        b"--a\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
        b"--a\r\nContent-Type: text/html\r\n\r\n<p>hello</p>\r\n--a--\r\n"
        b"--m\r\nContent-Type: text/plain\r\n\r\n-- \r\nlist footer\r\n--m--\r\n"
    )
    msg = parse_message(raw)
    assert msg.text == "hello\n\n-- \nlist footer"
    assert msg.html == "<p>hello</p>"
    assert msg.attachments == []


def test_dates() -> None:
    def date_of(value: str) -> str | None:
        msg = parse_message(f"Date: {value}\r\n\r\nx".encode())
        return msg.date.isoformat() if msg.date else None

    assert date_of("Mon, 3 Jun 2024 10:00:00 +0800") == "2024-06-03T02:00:00+00:00"
    assert date_of("3 Jun 24 10:00 -0000") == "2024-06-03T10:00:00+00:00"
    assert date_of("Mon, 3 Jun 2024 10:00:00 EST") == "2024-06-03T15:00:00+00:00"
    assert date_of("2024-06-03T10:00:00+02:00") == "2024-06-03T08:00:00+00:00"
    assert date_of("Mon, 31 Feb 2024 10:00:00 +0000") is None
    assert date_of("garbage") is None


# ---------------------------------------------------------------- stress: never raises


def _mixed(parts: list[bytes], boundary: str = "b") -> bytes:
    body = b"".join(f"--{boundary}\r\n".encode() + p + b"\r\n" for p in parts)
    head = f'Subject: stress\r\nContent-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
    return head.encode() + body + f"--{boundary}--\r\n".encode()


def test_huge_single_line_body() -> None:
    raw = b"Subject: big\r\nContent-Type: text/plain\r\n\r\n" + b"a" * 10_000_000
    start = time.perf_counter()
    msg = parse_message(raw)
    assert time.perf_counter() - start < 5
    assert len(msg.text) == 10_000_000
    assert len(msg.preview) <= 201
    no_headers = b"x" * 10_000_000
    assert parse_message(no_headers).text.startswith("xxx")


def test_thousand_attachments() -> None:
    parts = [b"Content-Type: text/plain\r\n\r\nbody"]
    parts += [
        f'Content-Type: application/octet-stream; name="f{i}.bin"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\nAAEC".encode()
        for i in range(1000)
    ]
    raw = _mixed(parts)
    start = time.perf_counter()
    msg = parse_message(raw)
    assert time.perf_counter() - start < 5
    assert msg.text == "body"
    assert len(msg.attachments) == 1000
    assert msg.attachments[999].filename == "f999.bin"
    assert msg.attachments[999].size == 3
    assert get_attachment(raw, 999) == (msg.attachments[999], b"\x00\x01\x02")


@pytest.mark.parametrize("depth", [50, 1000])
def test_deeply_nested_multipart(depth: int) -> None:
    raw = b"Subject: deep\r\n"
    tail = b""
    for level in range(depth):
        raw += f'Content-Type: multipart/mixed; boundary="l{level}"\r\n\r\n--l{level}\r\n'.encode()
        tail = f"\r\n--l{level}--\r\n".encode() + tail
    raw += b"Content-Type: text/plain\r\n\r\ndeepest text" + tail
    msg = parse_message(raw)
    assert msg.subject == "deep"
    if depth == 50:
        assert msg.text == "deepest text"


def test_pathological_inputs() -> None:
    samples = [
        b"",
        b"\x00" * 1000,
        b"\r\n" * 1000,
        b"\n\n\n",
        b":::\r\n\r\n",
        b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--\r\n",
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x--\r\n',
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n' + b"--x\r\n" * 5000,
        b"Subject: " + b"=?utf-8?q?" * 20000 + b"\r\n\r\n",
        b"From: " + b'"' * 10000 + b"\r\n\r\n",
        b"To: " + b"<" * 10000 + b"," * 10000 + b"\r\n\r\n",
        b"Content-Type: text/html\r\n\r\n" + b"<!--<a " * 20000,
        b"Content-Type: text/html\r\n\r\n" + b"<script>" * 20000,
        b"Content-Type: text/plain; charset=utf-16\r\n\r\n\xff\xfe\x00\xd8",
        b"Content-Type: text/plain; charset=utf-7\r\n\r\n+2D3cAA-",
        b"Content-Type: text/plain; filename*0*=x'y'%ZZ%; name*9999=a\r\n\r\nx",
        b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 f\r\n#86)C\r\n`\r\nend\r\n",
        b"Content-Type: message/rfc822\r\n\r\n",
        b"Date: Mon, 99 Foo 99999 99:99:99 +9999\r\n\r\n",
        b"Subject: \xff\xfe\xfd\r\nFrom: \xc0\xc1 <\xff@\xfe>\r\n\r\n\xff",
    ]
    for raw in samples:
        msg = parse_message(raw)
        assert isinstance(msg, ParsedMessage)
        assert msg.size == len(raw)
        assert "\x00" not in msg.text and "\x00" not in msg.subject
        get_attachment(raw, 0)


def test_random_fuzz_never_raises() -> None:
    rnd = random.Random(20240607)
    seeds = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))]
    tokens = [
        b"\r\n", b"\n", b"--b\r\n", b"--b--\r\n", b"=?utf-8?B?", b"?=", b"=?gbk?Q?=D6=D0",
        b'Content-Type: multipart/mixed; boundary="b"\r\n',
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Type: message/rfc822\r\n\r\n", b"filename*0*=utf-8''%E4", b"\x00", b"\xff\xfe",
        b"<", b">", b'"', b"\\", b";", b":",
    ]  # fmt: skip
    for i in range(400):
        if i % 2:
            raw = bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 2000)))
        else:  # mutate a real message: splice tokens, cut, flip bytes
            raw = bytearray(rnd.choice(seeds))
            for _ in range(rnd.randrange(1, 12)):
                pos = rnd.randrange(0, len(raw) + 1)
                action = rnd.randrange(3)
                if action == 0:
                    raw[pos:pos] = rnd.choice(tokens)
                elif action == 1 and raw:
                    del raw[pos : pos + rnd.randrange(1, 50)]
                elif raw:
                    raw[min(pos, len(raw) - 1)] = rnd.randrange(256)
            raw = bytes(raw)
        msg = parse_message(raw)
        assert isinstance(msg, ParsedMessage)
        for att in msg.attachments:
            assert att.filename
            found = get_attachment(raw, att.index)
            assert found is not None and len(found[1]) == att.size


def test_speed_20kb_mail() -> None:
    """Throughput guard (the real figure is ~2,000/s; the bound is loose for slow CI)."""
    rnd = random.Random(7)
    words = ["会议", "通知", "项目", "进度", "hello", "world", "report", "季度", "the", "mail"]
    lines = [" ".join(rnd.choice(words) for _ in range(10)) for _ in range(120)]
    text = "\r\n".join(lines).encode()
    html = (
        "<html><body>" + "".join(f"<p>{line}</p>" for line in lines) + "</body></html>"
    ).encode()
    raw = (
        b"From: =?utf-8?B?5byg5LiJ?= <zs@example.com>\r\nTo: a@example.com, B <b@example.com>\r\n"
        b"Subject: =?utf-8?B?6aG555uu6L+b5bqm?=\r\nDate: Mon, 3 Jun 2024 10:00:00 +0800\r\n"
        b"Message-ID: <speed@x>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="s"\r\n\r\n'
        b"--s\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(text).replace(b"\n", b"\r\n")
        + b"--s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + html
        + b"\r\n--s--\r\n"
    )
    assert 15_000 < len(raw) < 30_000
    n = 200
    start = time.perf_counter()
    for _ in range(n):
        parse_message(raw)
    rate = n / (time.perf_counter() - start)
    assert rate > 250, f"{rate:.0f} parses/s"


def test_raw_8bit_filenames_use_message_charset() -> None:
    name = "報價單.pdf".encode("big5")
    raw = (
        b'Content-Type: multipart/mixed; boundary="m"\r\n\r\n'
        b"--m\r\nContent-Type: text/plain; charset=big5\r\n\r\n" + "你好".encode("big5") + b"\r\n"
        b'--m\r\nContent-Type: application/pdf; name="' + name + b'"\r\n\r\n%PDF\r\n'
        b'--m\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="'
        + "报告.pdf".encode()
        + b'"\r\n\r\n%PDF\r\n--m--\r\n'
    )
    msg = parse_message(raw)
    assert msg.text == "你好"
    assert [a.filename for a in msg.attachments] == ["報價單.pdf", "报告.pdf"]


def test_filenames_are_sanitised() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="m"\r\n\r\n'
        b"--m\r\nContent-Disposition: attachment; "
        b'filename="..\\\\..\\\\evil\\u202egnp.exe"\r\n\r\nx\r\n'
        b'--m\r\nContent-Disposition: attachment; filename="/etc/passwd"\r\n\r\nx\r\n'
        b'--m\r\nContent-Disposition: attachment; filename="   "\r\n\r\nx\r\n--m--\r\n'
    ).replace(b"\\u202e", "\u202e".encode())
    names = [a.filename for a in parse_message(raw).attachments]
    assert names == ["evilgnp.exe", "passwd", "attachment-3.txt"]
