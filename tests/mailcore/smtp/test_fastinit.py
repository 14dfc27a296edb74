"""A connection built from the listener's template is the connection aiosmtpd would build."""

from __future__ import annotations

import asyncio
import inspect
import ssl

from aiosmtpd.smtp import SMTP, Envelope, Session

from mailcore.protocols.smtp.protocol import QiyouSMTP


class Handler:
    async def handle_DATA(self, server, session, envelope):  # noqa: ARG002
        return "250 OK"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: ARG002
        return responses

    async def auth_CUSTOM(self, server, args):  # noqa: ARG002
        return None


_TLS = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)  # one per listener


def _listener_kwargs() -> dict:
    return {
        "data_size_limit": 1 << 20,
        "hostname": "mx.test",
        "enable_SMTPUTF8": True,
        "tls_context": _TLS,
        "auth_exclude_mechanism": ["LOGIN"],  # a fresh list per connection, as server.py does
        "ident": "Qiyou ESMTP",
        "listener": "submission",
        "dsn": True,
    }


def _same_as(built: SMTP, reference: SMTP) -> None:
    mine, theirs = vars(built), vars(reference)
    assert sorted(mine) == sorted(theirs)
    for name, value in theirs.items():
        other = mine[name]
        if name in {"_smtp_methods", "_auth_methods"}:
            assert sorted(other) == sorted(value), name
            for key, method in value.items():
                own = other[key]
                method_of = method.method if name == "_auth_methods" else method
                own_method = own.method if name == "_auth_methods" else own
                assert own_method.__func__ is method_of.__func__, (name, key)
                expected_self = built if method_of.__self__ is reference else method_of.__self__
                assert own_method.__self__ is expected_self, (name, key)
        elif inspect.ismethod(value):
            assert other.__func__ is value.__func__, name
        elif isinstance(value, asyncio.StreamReader | asyncio.Future | asyncio.Event):
            assert type(other) is type(value) and other is not value, name
        elif name in {"_stream_reader_wr", "_closed", "_drain_waiters", "command_size_limits"}:
            assert type(other) is type(value) and other is not value, name
        elif name == "_ingest_seconds" or isinstance(value, ssl.SSLContext):
            assert other is value, name
        else:
            assert other == value, name


async def test_a_templated_connection_equals_a_fully_built_one():
    handler = Handler()
    first = QiyouSMTP(handler, **_listener_kwargs())  # built in full: becomes the template
    second = QiyouSMTP(handler, **_listener_kwargs())
    reference = QiyouSMTP(Handler(), **_listener_kwargs())  # another handler: in full again
    reference.event_handler = handler
    reference._handle_hooks = {
        name: getattr(handler, f"handle_{name}") for name in reference._handle_hooks
    }
    reference._auth_methods["CUSTOM"] = reference._auth_methods["CUSTOM"]._replace(
        method=handler.auth_CUSTOM
    )
    _same_as(second, reference)
    _same_as(first, reference)
    assert "CUSTOM" in second._auth_methods and "LOGIN" not in second._auth_methods
    assert second._smtp_methods["EHLO"].__self__ is second


async def test_each_connection_keeps_its_own_state():
    handler = Handler()
    a = QiyouSMTP(handler, **_listener_kwargs())
    b = QiyouSMTP(handler, **_listener_kwargs())
    a._handle_hooks["PROXY"] = a._handle_hooks["DATA"]  # what a PROXY listener adds
    assert "PROXY" not in b._handle_hooks
    assert a._stream_reader is not b._stream_reader and a._stream_reader is not None
    assert a.command_size_limits is not b.command_size_limits
    a.session, a.envelope = Session(a.loop), Envelope()
    assert b.session is None and b.envelope is None


async def test_different_listeners_get_different_templates():
    handler = Handler()
    QiyouSMTP(handler, **_listener_kwargs())
    other = QiyouSMTP(handler, **{**_listener_kwargs(), "hostname": "other.test"})
    assert other.hostname == "other.test"
    again = QiyouSMTP(handler, **_listener_kwargs())
    assert again.hostname == "mx.test"
