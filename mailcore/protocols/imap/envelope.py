"""ENVELOPE, BODY and BODYSTRUCTURE of a message (RFC 9051 §7.5.2), rendered to bytes.

Header values go out as the message has them (RFC 2047 words kept, as clients expect);
8-bit values go out as literals. Addresses are parsed with ``mailcore/core/mime/headers``;
a display name that is not plain ASCII is sent as one RFC 2047 UTF-8 word. Parameter values
that are not ASCII (RFC 2231 in the mail) are sent back in RFC 2231 form (``NAME*``).
``render(raw, kinds)`` renders what is asked; the fetch code caches it per blob (the bytes
of a stored message never change).
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from mailcore.core.mime.charset import decode_header_bytes
from mailcore.core.mime.headers import parse_addresses, parse_params
from mailcore.protocols.imap.bodyparts import Entity, parse, parse_header
from mailcore.protocols.imap.responses import nstring, string

_ADDRESS_HEADERS = ("from", "sender", "reply-to", "to", "cc", "bcc")


def _phrase(name: str) -> bytes | None:
    if not name:
        return None
    if name.isascii():
        return name.encode("ascii")
    return b"=?utf-8?b?" + base64.b64encode(name.encode("utf-8")) + b"?="


def _addresses(value: bytes | None) -> bytes:
    if value is None:
        return b"NIL"
    items = []
    for addr in parse_addresses(decode_header_bytes(value)):
        local, at, host = addr.address.rpartition("@")
        if not at:
            local, host = addr.address, ""
        if not local and not addr.name:
            continue
        items.append(
            b"("
            + b" ".join(
                [nstring(_phrase(addr.name)), b"NIL", nstring(local or None), nstring(host or None)]
            )
            + b")"
        )
    return b"(" + b"".join(items) + b")" if items else b"NIL"


def envelope(entity: Entity) -> bytes:
    fields = {name: entity.get(name) for name in _ADDRESS_HEADERS}
    from_ = _addresses(fields["from"])
    sender = _addresses(fields["sender"]) if fields["sender"] else from_
    reply_to = _addresses(fields["reply-to"]) if fields["reply-to"] else from_
    parts = [
        nstring(entity.get("date")),
        nstring(entity.get("subject")),
        from_,
        sender,
        reply_to,
        _addresses(fields["to"]),
        _addresses(fields["cc"]),
        _addresses(fields["bcc"]),
        nstring(entity.get("in-reply-to")),
        nstring(entity.get("message-id")),
    ]
    return b"(" + b" ".join(parts) + b")"


def _params(params: dict[str, str]) -> bytes:
    if not params:
        return b"NIL"
    items: list[bytes] = []
    for name, value in params.items():
        if value.isascii():
            items += [string(name.upper()), string(value)]
        else:
            encoded = "utf-8''" + quote(value, safe="")
            items += [string(name.upper() + "*"), string(encoded)]
    return b"(" + b" ".join(items) + b")"


def _disposition(entity: Entity) -> bytes:
    value = entity.get("content-disposition")
    if value is None:
        return b"NIL"
    kind, params = parse_params(decode_header_bytes(value))
    if not kind:
        return b"NIL"
    return b"(" + string(kind.upper()) + b" " + _params(params) + b")"


def _language(entity: Entity) -> bytes:
    value = entity.get("content-language")
    if value is None:
        return b"NIL"
    tags = [t.strip() for t in value.decode("latin-1").split(",") if t.strip()]
    if not tags:
        return b"NIL"
    if len(tags) == 1:
        return string(tags[0])
    return b"(" + b" ".join(string(t) for t in tags) + b")"


def _lines(raw: bytes, entity: Entity) -> int:
    body = raw[entity.body_start : entity.end]
    return body.count(b"\n") + (1 if body and not body.endswith(b"\n") else 0)


def _structure(raw: bytes, entity: Entity, extended: bool) -> bytes:
    if entity.children:
        out = b"".join(_structure(raw, child, extended) for child in entity.children)
        out += b" " + string(entity.content_type.partition("/")[2].upper())
        if extended:
            out += b" " + b" ".join(
                [_params(entity.params), _disposition(entity), _language(entity), _location(entity)]
            )
        return b"(" + out + b")"
    main, _, sub = entity.content_type.partition("/")
    cte = entity.get("content-transfer-encoding")
    encoding = cte.decode("latin-1").strip().upper() if cte else "7BIT"
    fields = [
        string(main.upper()),
        string(sub.upper()),
        _params(entity.params),
        nstring(entity.get("content-id")),
        nstring(entity.get("content-description")),
        string(encoding or "7BIT"),
        b"%d" % (entity.end - entity.body_start),
    ]
    if entity.message is not None:
        inner = entity.message
        fields += [envelope(inner), _structure(raw, inner, extended), b"%d" % _lines(raw, entity)]
    elif main == "text":
        fields.append(b"%d" % _lines(raw, entity))
    if extended:
        md5 = entity.get("content-md5")
        fields += [nstring(md5), _disposition(entity), _language(entity), _location(entity)]
    return b"(" + b" ".join(fields) + b")"


def _location(entity: Entity) -> bytes:
    return nstring(entity.get("content-location"))


def bodystructure(raw: bytes, root: Entity, extended: bool = True) -> bytes:
    return _structure(raw, root, extended)


def render(raw: bytes, kinds: set[str]) -> dict[str, bytes]:
    """``ENVELOPE``, ``BODY`` and/or ``BODYSTRUCTURE`` of a raw message (the MIME tree is
    walked only when a structure is asked for)."""
    out: dict[str, bytes] = {}
    if kinds - {"ENVELOPE"}:
        root = parse(raw)
        if "BODY" in kinds:
            out["BODY"] = bodystructure(raw, root, False)
        if "BODYSTRUCTURE" in kinds:
            out["BODYSTRUCTURE"] = bodystructure(raw, root)
    else:
        root = parse_header(raw)
    if "ENVELOPE" in kinds:
        out["ENVELOPE"] = envelope(root)
    return out
