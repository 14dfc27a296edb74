"""aiosmtpd's per-connection set-up, done once per listener instead of once per connection.

aiosmtpd's ``SMTP.__init__`` inspects the protocol and its handler on every connection
(``inspect.getmembers`` of both, ``dir`` of both, the EHLO hook's signature) to build its
tables of commands, hooks and AUTH mechanisms: ~0.7 ms of Python for every connection, a
sixth of what the MX spends on a whole message. Those tables depend only on the protocol's
class, the handler and the listener's arguments, so ``init`` runs the real ``__init__``
for the first connection of a listener, keeps what it set apart from the per-connection
stream state as a template, and gives later connections a copy: the same attributes and
values, the method tables bound to the new connection (tests/service/test_smtp_fastinit.py
compares both ways attribute by attribute).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from aiosmtpd.smtp import SMTP, _AuthMechAttr

# handler → {(protocol class, arguments' identities): template}; gone with the handler
_templates: weakref.WeakKeyDictionary[Any, dict[tuple, _Template]] = weakref.WeakKeyDictionary()
_STREAM_KEYS: frozenset[str] | None = None  # set by asyncio.StreamReaderProtocol.__init__
_PER_CONNECTION = frozenset({"loop"})  # taken afresh (aiosmtpd's make_loop) each time


class _Template:
    def __init__(self, protocol: SMTP, own: set[str]) -> None:
        skip = own | _stream_keys() | _PER_CONNECTION | {"_auth_methods", "_smtp_methods"}
        self.values = {k: v for k, v in vars(protocol).items() if k not in skip}
        self.hooks = dict(protocol._handle_hooks)
        self.commands = {cmd: method.__name__ for cmd, method in protocol._smtp_methods.items()}
        self.auth = {  # mechanism → (attribute name, builtin) or (handler's method, False)
            name: (attr.method.__name__, True) if attr.is_builtin else (attr.method, False)
            for name, attr in protocol._auth_methods.items()
        }


def _stream_keys() -> frozenset[str]:
    global _STREAM_KEYS
    if _STREAM_KEYS is None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(loop=loop)
        probe = asyncio.StreamReaderProtocol(reader, client_connected_cb=print, loop=loop)
        _STREAM_KEYS = frozenset(vars(probe))
    return _STREAM_KEYS


def _frozen(value: Any) -> Any:
    """A key part for one argument: lists by their items, anything else by itself."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    hash(value)  # TypeError: not a key; that listener's connections are built in full
    return value


def init(protocol: SMTP, handler: Any, own: set[str], **kwargs: Any) -> None:
    """``SMTP.__init__(protocol, handler, **kwargs)``, from a template after the first time.

    ``own``: the attributes the subclass set before calling this (its per-connection
    state, never copied)."""
    try:
        key = (type(protocol), *sorted((name, _frozen(value)) for name, value in kwargs.items()))
    except TypeError:
        SMTP.__init__(protocol, handler, **kwargs)
        return
    per_handler = _templates.setdefault(handler, {})
    template = per_handler.get(key)
    if template is None:
        SMTP.__init__(protocol, handler, **kwargs)
        per_handler[key] = _Template(protocol, own)
        return
    loop = asyncio.get_running_loop()
    asyncio.StreamReaderProtocol.__init__(
        protocol,
        asyncio.StreamReader(loop=loop, limit=protocol.line_length_limit),
        client_connected_cb=protocol._cb_client_connected,
        loop=loop,
    )
    protocol.loop = loop
    protocol.__dict__.update(template.values)
    protocol._handle_hooks = dict(template.hooks)  # a PROXY hook may be added per connection
    protocol._smtp_methods = {
        cmd: getattr(protocol, name) for cmd, name in template.commands.items()
    }
    protocol._auth_methods = {
        name: _AuthMechAttr(getattr(protocol, method) if builtin else method, builtin)
        for name, (method, builtin) in template.auth.items()
    }
