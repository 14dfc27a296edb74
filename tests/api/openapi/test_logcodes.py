"""Qiyou's log values mapped onto Exmail's published codes (doc#10028–10031)."""

from __future__ import annotations

import pytest

from api.openapi import logcodes
from mailcore.core.models import ClientKind, FolderRole, OutboundStatus

# Exmail's published code sets.
EXMAIL_LOGIN_TYPES = {1, 2, 3, 4, 5}
EXMAIL_MAIL_STATUS = {0, 1, 2, 3, 4, 11, 12, 13, 14}
EXMAIL_OPERATION_TYPES = set(range(55))  # 1–54 published, 0 for none
EXMAIL_BATCH_TYPES = set(range(10))


@pytest.mark.parametrize(
    ("client", "exmail", "qiyou"),
    [
        (ClientKind.WEB, 1, 1),
        (ClientKind.MINIPROGRAM, 2, 2),
        (ClientKind.POP3, 4, 3),
        (ClientKind.IMAP, 4, 4),
        (ClientKind.SMTP, 4, 5),
        (ClientKind.API, 5, 6),
    ],
)
def test_login_types(client: ClientKind, exmail: int, qiyou: int) -> None:
    assert logcodes.login_type(client.value) == exmail
    assert logcodes.QIYOU_LOGIN_TYPES[client] == qiyou


def test_every_client_has_an_exmail_login_type() -> None:
    assert set(logcodes.LOGIN_TYPES) == set(ClientKind)
    assert set(logcodes.LOGIN_TYPES.values()) <= EXMAIL_LOGIN_TYPES
    assert set(logcodes.QIYOU_LOGIN_TYPES) == set(ClientKind)


@pytest.mark.parametrize(
    ("status", "exmail"),
    [("QUEUED", 1), ("SENDING", 1), ("SENT", 3), ("FAILED", 4), ("DELIVERED", 3), ("RECALLED", 0)],
)
def test_sent_mail_status(status: str, exmail: int) -> None:
    assert logcodes.mail_status(logcodes.MAIL_SENT, status, None) == exmail


def test_every_outbound_state_has_a_sent_status() -> None:
    assert {s.value.upper() for s in OutboundStatus} <= set(logcodes.SENT_STATUS)
    assert set(logcodes.SENT_STATUS.values()) <= EXMAIL_MAIL_STATUS


@pytest.mark.parametrize(
    ("role", "exmail"),
    [
        (FolderRole.INBOX, 13),
        (FolderRole.SPAM, 12),
        (FolderRole.ARCHIVE, 14),
        (FolderRole.TRASH, 14),
        (None, 14),  # a member's own folder
    ],
)
def test_received_mail_status_says_where_it_was_stored(role: FolderRole | None, exmail: int):
    assert logcodes.mail_status(logcodes.MAIL_RECEIVED, "DELIVERED", role) == exmail


def test_received_rows_that_are_not_deliveries_are_other() -> None:
    assert logcodes.mail_status(logcodes.MAIL_RECEIVED, "QUEUED", FolderRole.INBOX) == 0


@pytest.mark.parametrize(
    ("action", "actor", "categories"),
    [
        ("department.create", "admin@example.com", {7}),
        ("department.create", "app:qy123", {1, 7}),  # made through the open API
        ("member.import", "cli", {7}),
        ("group.update", "admin@example.com", {7}),
        ("openapi.rotate", "admin@example.com", {1}),
        ("admin.grant", "admin@example.com", {3}),
        ("domain.add", "admin@example.com", {4}),
        ("notice.post", "admin@example.com", {4}),
        ("senderlist.block.add", "admin@example.com", {5}),
        ("spam.set", "admin@example.com", {5}),
        ("transfer.set", "admin@example.com", {6}),
        ("backup.create", "admin@example.com", {8}),
        ("archive.export", "auditor@example.com", {8}),
        ("security.ip_rule.add", "admin@example.com", {9}),
        ("policy.restrict_external.add", "admin@example.com", {9}),
        ("unheard.of", "admin@example.com", set()),
    ],
)
def test_operation_categories(action: str, actor: str, categories: set[int]) -> None:
    assert logcodes.operation_categories(action, actor) == categories


def test_operation_categories_do_not_share_prefixes() -> None:
    prefixes = [p for group in logcodes.OPERATION_CATEGORIES.values() for p in group]
    assert len(prefixes) == len(set(prefixes))
    assert set(logcodes.OPERATION_CATEGORIES) == set(range(1, 10))


@pytest.mark.parametrize(
    ("action", "detail", "exmail"),
    [
        ("member.create", {}, 19),
        ("member.delete", {}, 20),
        ("member.restore", {}, 20),
        ("member.enable", {}, 21),
        ("member.disable", {}, 22),
        ("member.import", {"created": 1}, 25),
        ("department.create", {"id": 5}, 28),
        ("department.update", {"name": "x"}, 30),
        ("department.update", {"parent_id": 3}, 31),  # moved
        ("group.delete", {}, 33),
        ("branding.logo", {"removed": False}, 5),
        ("branding.logo", {"removed": True}, 6),
        ("openapi.create", {}, 39),
        ("openapi.update", {"enabled": False}, 41),
        ("openapi.update", {"enabled": True}, 39),
        ("openapi.update", {"webhook": "x"}, 0),
        ("security.secure_login", {"enabled": True}, 50),
        ("security.secure_login", {"enabled": False}, 51),
        ("sso.login_url", {}, 0),
        ("whatever", "not a dict", 0),
    ],
)
def test_operation_codes(action: str, detail: object, exmail: int) -> None:
    assert logcodes.operation_code(action, detail) == exmail


def test_operation_codes_are_published_ones() -> None:
    assert set(logcodes.OPERATION_CODES.values()) <= EXMAIL_OPERATION_TYPES


@pytest.mark.parametrize(
    ("kind", "exmail"),
    [
        ("mass_mail", 1),
        ("member.import", 2),
        ("notice.delete", 3),
        ("notice.post", 5),
        ("signature.template", 7),
        ("other", 0),
    ],
)
def test_batch_types(kind: str, exmail: int) -> None:
    assert logcodes.batch_type(kind) == exmail
    assert exmail in EXMAIL_BATCH_TYPES


def test_batch_status() -> None:
    assert [logcodes.batch_status(s) for s in ("queued", "running", "done", "failed")] == [
        0,
        0,
        1,
        2,
    ]
    with pytest.raises(KeyError):
        logcodes.batch_status("unknown")
