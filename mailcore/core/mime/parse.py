"""Parse raw RFC 5322 mail into a ParsedMessage; never raises, linear in the input size."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from mailcore.core.mime.charset import decode_bytes, decode_header_bytes
from mailcore.core.mime.headers import (
    clean_text,
    decode_words,
    parse_addresses,
    parse_date,
    parse_ids,
    parse_params,
)
from mailcore.core.mime.sanitize import html_to_text
from mailcore.core.mime.structure import Part, build_tree, split_headers
from mailcore.core.mime.transfer import decode_transfer
from mailcore.core.mime.types import Address, ParsedAttachment, ParsedMessage

PREVIEW_CHARS = 200
MAX_FILENAME = 255

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)
_CID_REF = re.compile(r"""cid:([^\s"'<>)]+)""", re.I)
_FILENAME_BAD = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_WS = re.compile(r"\s+")

_EXTENSIONS = {
    "text/plain": ".txt",
    "text/html": ".html",
    "text/csv": ".csv",
    "text/calendar": ".ics",
    "text/xml": ".xml",
    "text/x-vcard": ".vcf",
    "text/vcard": ".vcf",
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "message/delivery-status": ".txt",
    "text/rfc822-headers": ".txt",
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/pjpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/bmp": ".bmp",
    "image/tiff": ".tif",
    "image/svg+xml": ".svg",
    "image/heic": ".heic",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
    "video/mp4": ".mp4",
    "application/pdf": ".pdf",
    "application/zip": ".zip",
    "application/x-zip-compressed": ".zip",
    "application/gzip": ".gz",
    "application/x-7z-compressed": ".7z",
    "application/x-rar-compressed": ".rar",
    "application/json": ".json",
    "application/xml": ".xml",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/ms-tnef": ".dat",
    "application/vnd.ms-tnef": ".dat",
    "application/pgp-signature": ".asc",
    "application/pgp-encrypted": ".asc",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "application/pkcs7-mime": ".p7m",
    "application/x-pkcs7-mime": ".p7m",
    "application/ics": ".ics",
}


@dataclass
class _Analysis:
    root: Part
    hint: str | None
    texts: list[Part] = field(default_factory=list)
    html: Part | None = None
    html_str: str | None = None
    attachments: list[tuple[ParsedAttachment, Part]] = field(default_factory=list)


# ---------------------------------------------------------------- part helpers


def _hstr(part: Part, name: str, hint: str | None) -> str:
    value = part.get(name)
    return decode_header_bytes(value, hint) if value is not None else ""


def _disposition(part: Part, hint: str | None) -> tuple[str, dict[str, str]]:
    value = part.get("content-disposition")
    if value is None:
        return "", {}
    return parse_params(decode_header_bytes(value, hint))


def _cte(part: Part) -> str:
    value = part.get("content-transfer-encoding")
    if not value:
        return ""
    return value.decode("latin-1").strip().strip("\"'").lower()


def _payload(raw: bytes, part: Part) -> bytes:
    return decode_transfer(raw[part.start : part.end], _cte(part))


def _raw_filename(part: Part, hint: str | None) -> str:
    _, dparams = _disposition(part, hint)
    cname = part.params.get("name")
    ct_raw = part.get("content-type")
    if hint and ct_raw is not None and not ct_raw.isascii():
        # Re-read the parameters with the charset hint (raw 8-bit names in Content-Type).
        cname = parse_params(decode_header_bytes(ct_raw, hint))[1].get("name")
    return dparams.get("filename") or cname or dparams.get("name") or ""


def _has_filename(part: Part) -> bool:
    if part.params.get("name"):
        return True
    value = part.get("content-disposition")
    return value is not None and b"name" in value.lower()


def _is_attachment_like(part: Part) -> bool:
    value = part.get("content-disposition")
    if value is not None and value[:10].lower().startswith(b"attachment"):
        return True
    return _has_filename(part)


def _text_of(raw: bytes, part: Part) -> str:
    data = _payload(raw, part)
    charset = part.params.get("charset")
    if not charset and part.content_type == "text/html":
        m = _META_CHARSET.search(data, 0, 4096)
        if m:
            charset = m.group(1).decode("ascii")
    text = decode_bytes(data, charset)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    if part.content_type == "text/plain" and part.params.get("format", "").lower() == "flowed":
        text = _unflow(text, part.params.get("delsp", "").lower() == "yes")
    return text


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft-broken lines (those ending in a space)."""
    out: list[str] = []
    buf = ""
    for line in text.split("\n"):
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        if line.endswith(" ") and line != "-- ":
            buf += line[:-1] if delsp else line
            continue
        out.append(buf + line)
        buf = ""
    if buf:
        out.append(buf)
    return "\n".join(out)


def _clean_filename(name: str) -> str:
    name = decode_words(name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _WS.sub(" ", _FILENAME_BAD.sub("", name)).strip().strip(".")  # no "..", no hidden
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            name = stem[: MAX_FILENAME - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_FILENAME]
    return name


# ---------------------------------------------------------------- body selection


def _find_body(part: Part) -> tuple[list[Part], Part | None]:
    if part.is_multipart:
        if not part.children:
            return [], None
        sub = part.content_type
        if sub == "multipart/alternative":
            texts: list[Part] = []
            html: Part | None = None
            for child in part.children:
                t, h = _find_body(child)
                texts = t or texts
                html = h or html
            return texts, html
        if sub == "multipart/related":
            root = part.children[0]
            start = part.params.get("start", "").strip().strip("<>")
            if start:
                for child in part.children:
                    cid = child.get("content-id")
                    if cid and cid.decode("latin-1").strip().strip("<>") == start:
                        root = child
                        break
            return _find_body(root)
        for i, child in enumerate(part.children):
            t, h = _find_body(child)
            if t or h:
                if sub == "multipart/mixed" and t:
                    t = t + _following_texts(part.children[i + 1 :])
                return t, h
        return [], None
    if _is_attachment_like(part):
        return [], None
    if part.content_type == "text/plain":
        return [part], None
    if part.content_type == "text/html":
        return [], part
    return [], None


def _following_texts(siblings: list[Part]) -> list[Part]:
    """Inline text/plain siblings that continue the body (text after an inline image, list
    footers); they are shown as text, not offered as attachments."""
    return [
        p
        for p in siblings
        if p.content_type == "text/plain" and not p.is_multipart and not _is_attachment_like(p)
    ]


# ---------------------------------------------------------------- attachments


def _collect(part: Part, parent: Part | None, skip: set[int], out: list[Part]) -> None:
    """Attachment leaves in document order (the numbering parse and get_attachment share)."""
    if part.is_multipart:
        for child in part.children:
            _collect(child, part, skip, out)
        return
    if id(part) in skip:
        return
    if not _is_attachment_like(part):
        ctype = part.content_type
        if parent is not None and parent.content_type == "multipart/alternative":
            if ctype.startswith("text/") and ctype != "text/calendar":
                return  # an unused alternative rendering of the body
        if ctype in ("text/plain", "text/html") and part.start >= part.end:
            return  # empty body-ish part
    out.append(part)


def _ext(ctype: str) -> str:
    return _EXTENSIONS.get(ctype, ".bin")


def _attachment(
    raw: bytes, part: Part, index: int, hint: str | None, cids: set[str]
) -> tuple[ParsedAttachment, bytes]:
    data = _payload(raw, part)
    ctype = part.content_type
    filename = _clean_filename(_raw_filename(part, hint))
    if not filename and ctype in ("message/rfc822", "message/global"):
        inner, _ = split_headers(data, 0, len(data))
        for key, value in inner:
            if key == "subject":
                subject = clean_text(decode_words(decode_header_bytes(value, hint)))
                filename = _clean_filename(subject[:120] + ".eml") if subject else ""
                break
    if not filename:
        filename = f"attachment-{index + 1}{_ext(ctype)}"
    cid_raw = part.get("content-id")
    cid = clean_text(cid_raw.decode("latin-1")).strip("<>").strip() if cid_raw else ""
    disp, _ = _disposition(part, hint)
    inline = bool(cid) and disp != "attachment" and cid.lower() in cids
    info = ParsedAttachment(
        index=index,
        filename=filename,
        content_type=ctype,
        size=len(data),
        content_id=cid or None,
        inline=inline,
    )
    return info, data


# ---------------------------------------------------------------- analysis


def _charset_hint(root: Part) -> str | None:
    stack = [root]
    seen = 0
    while stack and seen < 200:
        part = stack.pop()
        seen += 1
        charset = part.params.get("charset")
        if charset and charset.lower() not in ("us-ascii", "utf-8", "ascii"):
            return charset
        stack.extend(reversed(part.children))
    return None


def _analyze(raw: bytes, want: frozenset[int] = frozenset()) -> tuple[_Analysis, dict[int, bytes]]:
    root = build_tree(raw)
    analysis = _Analysis(root=root, hint=_charset_hint(root))
    texts, html = _find_body(root)
    analysis.texts, analysis.html = texts, html
    if html is not None:
        analysis.html_str = _text_of(raw, html)
    cids = {m.lower() for m in _CID_REF.findall(analysis.html_str or "")}
    skip = {id(p) for p in texts}
    if html is not None:
        skip.add(id(html))
    leaves: list[Part] = []
    _collect(root, None, skip, leaves)
    wanted: dict[int, bytes] = {}
    for index, part in enumerate(leaves):
        info, data = _attachment(raw, part, index, analysis.hint, cids)
        analysis.attachments.append((info, part))
        if index in want:
            wanted[index] = data
    return analysis, wanted


def _first_address(value: str) -> Address | None:
    found = parse_addresses(value) if value else []
    return found[0] if found else None


def _preview(text: str) -> str:
    window = 1000
    while True:
        chunk = _WS.sub(" ", text[:window]).strip()
        if len(chunk) > PREVIEW_CHARS or window >= len(text):
            break
        window *= 4
    if len(chunk) <= PREVIEW_CHARS:
        return chunk
    cut = chunk[:PREVIEW_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > PREVIEW_CHARS * 3 // 4 else cut).rstrip() + "…"


def _message(raw: bytes, analysis: _Analysis) -> ParsedMessage:
    root, hint = analysis.root, analysis.hint

    def all_str(name: str) -> str:
        return ", ".join(decode_header_bytes(v, hint) for v in root.get_all(name))

    ids = parse_ids(_hstr(root, "message-id", hint))
    irt = parse_ids(_hstr(root, "in-reply-to", hint))
    date_value = root.get("date")
    text = "\n\n".join(_text_of(raw, p).rstrip() for p in analysis.texts)
    html = analysis.html_str
    if html is not None and not text.strip():
        text = html_to_text(html)
    text = text.rstrip()
    return ParsedMessage(
        message_id=ids[0] if ids else None,
        in_reply_to=irt[0] if irt else None,
        references=parse_ids(all_str("references")),
        subject=clean_text(decode_words(_hstr(root, "subject", hint))),
        from_=_first_address(_hstr(root, "from", hint)),
        sender=_first_address(_hstr(root, "sender", hint)),
        reply_to=parse_addresses(all_str("reply-to")),
        to=parse_addresses(all_str("to")),
        cc=parse_addresses(all_str("cc")),
        bcc=parse_addresses(all_str("bcc")),
        date=parse_date(date_value.decode("latin-1")) if date_value else None,
        text=text,
        html=html,
        attachments=[info for info, _ in analysis.attachments],
        preview=_preview(text),
        size=len(raw),
    )


def _as_bytes(raw: object) -> bytes:
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    try:
        return bytes(raw)  # type: ignore[call-overload]
    except Exception:  # noqa: BLE001
        return b""


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse raw mail bytes; never raises (degrades to what could be recovered)."""
    data = _as_bytes(raw)
    try:
        analysis, _ = _analyze(data)
        return _message(data, analysis)
    except Exception:  # noqa: BLE001 - last resort: headers and raw body only
        pass
    try:
        headers, body = split_headers(data, 0, len(data))
        fallback = ParsedMessage(size=len(data))
        for key, value in headers:
            if key == "subject" and not fallback.subject:
                fallback.subject = clean_text(decode_words(decode_header_bytes(value)))
            elif key == "from" and fallback.from_ is None:
                fallback.from_ = _first_address(decode_header_bytes(value))
        fallback.text = decode_bytes(data[body:]).replace("\x00", "")
        fallback.preview = _preview(fallback.text)
        return fallback
    except Exception:  # noqa: BLE001
        return ParsedMessage(size=len(data))


def get_attachment(raw: bytes, index: int) -> tuple[ParsedAttachment, bytes] | None:
    """Attachment ``index`` (numbered as by parse_message) and its decoded payload, or None."""
    return get_attachments(raw, [index]).get(index)


def get_attachments(
    raw: bytes, indexes: Iterable[int]
) -> dict[int, tuple[ParsedAttachment, bytes]]:
    """Several attachments from one parse (a mail of a thousand parts is parsed once, not a
    thousand times): index -> (attachment, decoded payload), for the indexes that exist."""
    want = frozenset(i for i in indexes if i >= 0)
    if not want:
        return {}
    try:
        analysis, payloads = _analyze(_as_bytes(raw), want=want)
    except Exception:  # noqa: BLE001
        return {}
    return {i: (analysis.attachments[i][0], data) for i, data in payloads.items()}
