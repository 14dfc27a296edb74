"""Trace and required headers of our SMTP listeners."""

from __future__ import annotations

from mailcore.protocols.smtp import trace


def test_received_names_the_protocol_and_one_recipient_only():
    one = trace.received(
        helo="client (evil)\r\nX: y", ip="192.0.2.1", hostname="mx.test",
        protocol="ESMTPSA", queue="ABC123", recipients=["bob@example.com"], when=0,
    ).decode()  # fmt: skip
    assert one.startswith("Received: from client??evil???X:?y ([192.0.2.1])\r\n")
    assert "\tby mx.test (Qiyou) with ESMTPSA id ABC123\r\n\tfor <bob@example.com>;\r\n\t" in one
    assert one.endswith("1970\r\n") or "1970" in one.rsplit("\r\n\t", 1)[1]
    many = trace.received(
        helo="c", ip="192.0.2.1", hostname="mx.test", protocol="ESMTP", queue="Q",
        recipients=["a@x.test", "b@x.test"],
    ).decode()  # fmt: skip
    assert " for " not in many and "with ESMTP id Q;" in many


def test_protocol_names_of_rfc_3848():
    name = trace.protocol_name
    assert name(extended=True, tls=False, authenticated=False) == "ESMTP"
    assert name(extended=True, tls=True, authenticated=False) == "ESMTPS"
    assert name(extended=True, tls=False, authenticated=True) == "ESMTPA"
    assert name(extended=True, tls=True, authenticated=True) == "ESMTPSA"
    assert name(extended=False, tls=False, authenticated=False) == "SMTP"


def test_return_path_fields_are_dropped_from_the_header_only():
    raw = (
        b"Return-Path: <x@y>\r\nFrom: a@b\r\nreturn-path:\r\n <z@q>\r\nSubject: s\r\n\r\n"
        b"Return-Path: in the body\r\n"
    )
    assert (
        trace.drop_return_path(raw)
        == b"From: a@b\r\nSubject: s\r\n\r\nReturn-Path: in the body\r\n"
    )
    plain = b"From: a@b\r\n\r\nbody"
    assert trace.drop_return_path(plain) is plain


def test_date_and_message_id_only_when_missing():
    assert trace.missing_required(b"Date: x\r\nMessage-ID: <a@b>\r\n\r\n", "h") == b""
    added = trace.missing_required(b"Subject: s\r\n\r\nDate: in the body\r\n", "mx.test")
    assert added.startswith(b"Date: ") and b"\r\nMessage-ID: <" in added
    assert added.endswith(b"@mx.test>\r\n")
    assert trace.missing_required(b"DATE: x\n\n", "h").startswith(b"Message-ID:")
