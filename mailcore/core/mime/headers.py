"""Header value parsing: RFC 2047 words, RFC 2231 parameters, addresses, dates, message ids."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parseaddr, parsedate_tz
from urllib.parse import unquote_to_bytes

from mailcore.core.mime.charset import codec_for, decode_bytes
from mailcore.core.mime.transfer import b64decode_lenient, qpdecode
from mailcore.core.mime.types import Address

MAX_PARAM_VALUE = 65536
MAX_IDS = 1000

# Lenient encoded word: the text part may not contain "?" so matching stays linear.
_EW = re.compile(r"=\?([^?\s]{1,80})\?([bBqQ])\?([^?]*)\?=")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")
_WS = re.compile(r"\s+")
_ID = re.compile(r"<([^<>]*)>")
_PARAM_NAME = re.compile(r"^(.+?)\*(\d{1,4})?(\*)?$")
# Fast paths for the common address forms; anything else goes through email.utils.parseaddr.
_SIMPLE_ADDR = re.compile(r"^([^\s<>\"(),;:@\\\[\]]+@[^\s<>\"(),;:@\\\[\]]+)$")
_NAME_ADDR = re.compile(r'^(?:"([^"\\]*)"|([^"<>();:@\\]*?))\s*<([^\s<>"(),;:\\]*)>$')


def clean_text(text: str) -> str:
    """Remove control characters, collapse whitespace, strip."""
    if not text:
        return ""
    text = _CTRL.sub("", text)
    return _WS.sub(" ", text).strip()


def decode_words(text: str) -> str:
    """Decode RFC 2047 encoded words leniently (adjacent, split multibyte, inside quotes)."""
    if "=?" not in text:
        return text
    segs: list[str] = []
    buf = bytearray()
    buf_charset: str | None = None
    buf_key: str | None = None
    pos = 0

    def flush() -> None:
        nonlocal buf, buf_charset, buf_key
        if buf:
            segs.append(decode_bytes(bytes(buf), buf_charset))
        buf = bytearray()
        buf_charset = buf_key = None

    for m in _EW.finditer(text):
        gap = text[pos : m.start()]
        if gap and not (pos and gap.isspace()):
            flush()
            segs.append(gap)
        charset, enc, data = m.groups()
        raw = data.encode("utf-8", "surrogateescape")
        payload = b64decode_lenient(raw) if enc in "bB" else qpdecode(raw, header=True)
        key = codec_for(charset) or charset.lower()
        if buf and key != buf_key:
            flush()
        buf += payload
        buf_charset, buf_key = charset, key
        pos = m.end()
    flush()
    segs.append(text[pos:])
    return "".join(segs)


def _split_outside_quotes(value: str, sep: str) -> list[str]:
    """Split on ``sep`` outside double quotes (backslash escapes honoured); linear."""
    parts: list[str] = []
    start = 0
    quoted = False
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        if ch == "\\" and quoted:
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            parts.append(value[start:i])
            start = i + 1
        i += 1
    parts.append(value[start:])
    return parts


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        inner = value[1:-1]
        return re.sub(r"\\(.)", r"\1", inner) if "\\" in inner else inner
    if value.startswith('"'):
        return value[1:]
    return value


def parse_params(value: str) -> tuple[str, dict[str, str]]:
    """Parse ``type/subtype; a=b; name*0*=...`` into (lowercased main value, params).

    Parameter names are lowercased; RFC 2231 values (charset, continuations) are joined
    and decoded. RFC 2047 words inside values are left alone (callers decode filenames).
    """
    value = value[:MAX_PARAM_VALUE]
    if ";" not in value:
        return value.strip().lower(), {}
    parts = _split_outside_quotes(value, ";")
    main = parts[0].strip().lower()
    plain: dict[str, str] = {}
    ext: dict[str, list[tuple[int, bool, str]]] = {}
    for part in parts[1:]:
        name, eq, val = part.partition("=")
        name = name.strip().lower()
        if not name or not eq:
            continue
        val = _unquote(val)
        m = _PARAM_NAME.match(name)
        if m:
            base, idx, star = m.groups()
            encoded = bool(star) or idx is None
            ext.setdefault(base, []).append((int(idx or 0), encoded, val))
        else:
            plain.setdefault(name, val)
    for base, segments in ext.items():
        plain[base] = _join_rfc2231(segments)
    return main, plain


def _join_rfc2231(segments: list[tuple[int, bool, str]]) -> str:
    segments.sort(key=lambda s: s[0])
    if not any(enc for _, enc, _ in segments):
        return "".join(v for _, _, v in segments)
    charset: str | None = None
    first_idx, first_enc, first_val = segments[0]
    if first_enc and first_val.count("'") >= 2:
        charset, _lang, rest = first_val.split("'", 2)
        segments[0] = (first_idx, True, rest)
    codec = codec_for(charset) or "utf-8"
    data = bytearray()
    for _, enc, val in segments:
        if enc:
            data += unquote_to_bytes(val)
        else:
            data += val.encode(codec, "replace")
    return decode_bytes(bytes(data), charset or "utf-8")


def _split_addresses(value: str) -> list[str]:
    """Split an address list on top-level commas (outside quotes, <>, comments)."""
    if not any(c in value for c in '"(\\:;'):
        return [item.strip() for item in value.split(",") if item.strip()]
    items: list[str] = []
    start = 0
    quoted = False
    angle = 0
    paren = 0
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        if ch == "\\" and (quoted or paren):
            i += 2
            continue
        if quoted:
            if ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "(":
            paren += 1
        elif ch == ")" and paren:
            paren -= 1
        elif paren:
            pass
        elif ch == "<":
            angle += 1
        elif ch == ">" and angle:
            angle -= 1
        elif (ch == "," or ch == ";") and not angle:
            items.append(value[start:i])
            start = i + 1
        elif ch == ":" and not angle and "@" not in value[start:i]:
            start = i + 1  # group name "Team: a@b, c@d;"
        i += 1
    items.append(value[start:])
    return [item.strip() for item in items if item.strip()]


def parse_addresses(value: str) -> list[Address]:
    """Parse an address-list header value (already decoded to str) into Address objects."""
    items = _split_addresses(value[:MAX_PARAM_VALUE])
    merged: list[str] = []
    i = 0
    while i < len(items):  # "Doe, John <j@x>": unquoted comma in a display name
        item = items[i]
        if (
            i + 1 < len(items)
            and "@" not in item
            and "<" not in item
            and "<" in items[i + 1]
            and not items[i + 1].lstrip().startswith("<")
        ):
            merged.append(item + ", " + items[i + 1])
            i += 2
            continue
        merged.append(item)
        i += 1
    result: list[Address] = []
    for item in merged:
        m = _SIMPLE_ADDR.match(item)
        if m:
            result.append(Address(name="", address=m.group(1)))
            continue
        m = _NAME_ADDR.match(item)
        if m:
            raw_name = m.group(1) if m.group(1) is not None else m.group(2)
            name = clean_text(decode_words(raw_name))
            if name or m.group(3):
                result.append(Address(name=name, address=m.group(3)))
            continue
        if "@" not in item and "<" not in item:
            name = clean_text(decode_words(_unquote(item)))
            if name:
                result.append(Address(name=name, address=""))
            continue
        try:
            name, addr = parseaddr(item)
        except Exception:  # noqa: BLE001 - stdlib parser on hostile input
            name, addr = "", ""
        if not addr and "<" in item:
            inner = item[item.find("<") + 1 :].split(">", 1)[0]
            addr = inner
            name = name or item[: item.find("<")]
        name = clean_text(decode_words(_unquote(name)))
        addr = clean_text(addr).replace(" ", "")
        if not name and not addr:
            continue
        result.append(Address(name=name, address=addr))
    return result


def parse_date(value: str) -> datetime | None:
    """Parse an RFC 5322 date (lenient) to an aware UTC datetime, or None."""
    value = clean_text(value)[:200]
    if not value:
        return None
    try:
        parts = parsedate_tz(value)
        if parts is None:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
        offset = parts[9] or 0
        year = parts[0]
        tz = timezone(timedelta(seconds=offset))
        return datetime(year, *parts[1:6], tzinfo=tz).astimezone(UTC)
    except (ValueError, TypeError, OverflowError, IndexError):
        return None


def parse_ids(value: str) -> list[str]:
    """Message ids from a Message-ID / In-Reply-To / References value, without <>, deduped."""
    found = [clean_text(m).replace(" ", "") for m in _ID.findall(value)]
    if not found:
        found = [tok.strip("<>") for tok in value.split() if "@" in tok]
    seen: set[str] = set()
    ids: list[str] = []
    for mid in found:
        if mid and mid not in seen:
            seen.add(mid)
            ids.append(mid)
    if len(ids) > MAX_IDS:
        ids = ids[:1] + ids[-(MAX_IDS - 1) :]
    return ids
