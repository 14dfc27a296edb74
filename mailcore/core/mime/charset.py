"""Lenient charset decoding for mail: aliases, supersets and a never-failing fallback chain."""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

# Declared name -> codec actually used (supersets that decode what mailers really send).
_ALIASES: dict[str, str] = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "euc-cn": "gb18030",
    "euccn": "gb18030",
    "csgb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gb_2312": "gb18030",
    "chinese": "gb18030",
    "x-euc-cn": "gb18030",
    "big-5": "big5",
    "cn-big5": "big5",
    "x-x-big5": "big5",
    "csbig5": "big5",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
}

# Extra codecs tried right after the declared one, before the generic chain.
_EXTRA: dict[str, tuple[str, ...]] = {
    "big5": ("big5hkscs", "cp950"),
    "cp1252": ("latin-1",),
}

# Codecs Python knows but which are not mail charsets (or interpret escapes).
_BLOCKED = frozenset(
    {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "mbcs", "oem", "undefined"}
)

# Multi-byte legacy charsets: content mislabelled with them is often really UTF-8.
_LEGACY_CJK = frozenset({"gb18030", "big5", "cp949", "cp932", "euc_jp", "big5hkscs", "cp950"})

_ASCII_BYTES = bytes(range(128))
_SURROGATES = re.compile("[\ud800-\udfff]")


@lru_cache(maxsize=256)
def codec_for(charset: str | None) -> str | None:
    """Return the Python codec name to use for a declared MIME charset, or None if unknown."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").strip().lower()
    name = name.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*en
    if not name or len(name) > 40:
        return None
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _BLOCKED:
        return None
    return info.name


def _utf8_mostly(data: bytes) -> str | None:
    """Decode as UTF-8 if only a few bytes are invalid (stray byte, truncated character)."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    non_ascii = len(data.translate(None, _ASCII_BYTES))
    if bad * 40 <= non_ascii or (bad <= 1 and non_ascii >= 8):
        return text
    return None


def _clean(text: str) -> str:
    if not text.isascii() and _SURROGATES.search(text):
        text = _SURROGATES.sub("\ufffd", text)
    return text


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode ``data`` declared as ``charset``; never raises.

    Order: declared charset (mapped to a superset), then UTF-8, then GB18030,
    then Latin-1. Pure ASCII short-circuits.
    """
    if not data:
        return ""
    if data.isascii():
        return data.decode("ascii")
    codec = codec_for(charset)
    tried: list[str] = []
    if codec in _LEGACY_CJK:
        # Valid UTF-8 with a legacy CJK label is almost always mislabelled UTF-8.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            tried.append("utf-8")
    chain: list[str] = []
    if codec and codec != "ascii":
        chain.append(codec)
        chain.extend(_EXTRA.get(codec, ()))
    for name in chain + ["utf-8", "gb18030"]:
        if name in tried:
            continue
        tried.append(name)
        try:
            return _clean(data.decode(name))
        except (UnicodeDecodeError, LookupError, ValueError, TypeError):
            if name == "utf-8" and codec in (None, "ascii", "utf-8"):
                # Declared (or assumed) UTF-8 with a few broken bytes: keep UTF-8.
                text = _utf8_mostly(data)
                if text is not None:
                    return text
            continue
    return data.decode("latin-1", "replace")


def decode_header_bytes(data: bytes, hint: str | None = None) -> str:
    """Decode a raw (possibly 8-bit) header value: UTF-8 if valid, else hint, else GB18030."""
    if data.isascii():
        return data.decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = codec_for(hint)
    if codec and codec not in ("ascii", "utf-8", "utf-16", "utf-32", "utf-7"):
        try:
            return _clean(data.decode(codec))
        except (UnicodeDecodeError, LookupError, ValueError, TypeError):
            pass
    return data.decode("gb18030", "replace")
