"""Exmail's integer codes for the ``/cgi-bin/log/*`` answers, from Qiyou's richer records.

Pure tables and functions (no storage): what Exmail's published log pages
(exmail.qq.com/qy_mng_logic/doc#10027–10031) define, and where each Qiyou value lands.
Qiyou's own detail travels beside the code in a ``qiyou_*`` field; docs/openapi.md has
the tables with their sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailcore.core.models import ClientKind, FolderRole

# --- log/login (doc#10029): 1 web, 2 mobile, 3 QQMail app, 4 IMAP/POP/Exchange, 5 other --
LOGIN_WEB, LOGIN_MOBILE, LOGIN_CLIENT, LOGIN_OTHER = 1, 2, 4, 5
LOGIN_TYPES: Mapping[ClientKind, int] = {
    ClientKind.WEB: LOGIN_WEB,
    ClientKind.MINIPROGRAM: LOGIN_MOBILE,  # the WeChat mini-program runs on phones
    ClientKind.POP3: LOGIN_CLIENT,
    ClientKind.IMAP: LOGIN_CLIENT,
    ClientKind.SMTP: LOGIN_CLIENT,  # a mail client's SMTP AUTH
    ClientKind.API: LOGIN_OTHER,
    ClientKind.DAV: LOGIN_CLIENT,  # a calendar or contacts client (CalDAV/CardDAV)
}
# The codes Qiyou answered in ``type`` before it followed Exmail (kept in ``qiyou_type``).
QIYOU_LOGIN_TYPES: Mapping[ClientKind, int] = {
    ClientKind.WEB: 1,
    ClientKind.MINIPROGRAM: 2,
    ClientKind.POP3: 3,
    ClientKind.IMAP: 4,
    ClientKind.SMTP: 5,
    ClientKind.API: 6,
    ClientKind.DAV: 7,
}


def login_type(client: str) -> int:
    return LOGIN_TYPES.get(ClientKind(client), LOGIN_OTHER)


# --- log/mail (doc#10028): mailtype 1 sent, 2 received; status -------------------------
MAIL_SENT, MAIL_RECEIVED = 1, 2
MAILTYPES = (0, MAIL_SENT, MAIL_RECEIVED)  # request: 0 both
STATUS_OTHER, STATUS_SENDING, STATUS_BOUNCED, STATUS_SENT, STATUS_SEND_FAILED = 0, 1, 2, 3, 4
STATUS_SPAM, STATUS_INBOX, STATUS_FOLDER = 12, 13, 14  # 11 (blocked) has no stored row here
SENT_STATUS: Mapping[str, int] = {
    "QUEUED": STATUS_SENDING,
    "SENDING": STATUS_SENDING,
    "SENT": STATUS_SENT,
    "FAILED": STATUS_SEND_FAILED,
    "DELIVERED": STATUS_SENT,  # to a member of the enterprise: stored in their mailbox
    "RECALLED": STATUS_OTHER,
}


def mail_status(mailtype: int, status: str, folder_role: str | None) -> int:
    """A log row's Exmail status: the send's fate for ``mailtype`` 1, where the copy was
    stored for 2 (Inbox 13, Spam 12, any other folder 14)."""
    if mailtype == MAIL_SENT:
        return SENT_STATUS.get(status, STATUS_OTHER)
    if status != "DELIVERED":
        return STATUS_OTHER
    if folder_role == FolderRole.INBOX:
        return STATUS_INBOX
    if folder_role == FolderRole.SPAM:
        return STATUS_SPAM
    return STATUS_FOLDER


# --- log/operation (doc#10031) ---------------------------------------------------------
# Request ``type``: 0 all, else one of Exmail's nine categories, each a set of Qiyou
# action prefixes (the prefixes of different categories do not overlap).
OPERATION_ALL = 0
OPERATION_CATEGORIES: Mapping[int, tuple[str, ...]] = {
    1: ("openapi.", "sso."),  # open protocol (and anything an app did, see below)
    2: (),  # editing the administrator account: Qiyou admins are members (category 7)
    3: ("admin.",),  # graded administrators
    4: ("enterprise.", "domain.", "branding.", "signature.", "notice."),  # company info
    5: ("senderlist.", "spam.", "spoofing."),  # receiving block/allow lists
    6: ("transfer.",),  # mail transfer
    7: ("member.", "department.", "group."),  # members and groups
    8: ("backup.", "archive.", "auditor."),  # backup and archive
    9: ("security.", "policy.", "approval.", "mail.", "outbound.", "dmarc."),  # permissions
}
# Qiyou's former request ``type`` (still accepted as ``qiyou_type``): 1 all, else a prefix.
QIYOU_OPERATION_TYPES: Mapping[int, str | None] = {
    1: None,
    2: "member.",
    3: "department.",
    4: "group.",
    5: "security.",
    6: "openapi.",
    7: "admin.",
}


def operation_categories(action: str, actor: str) -> set[int]:
    """Exmail's request categories an operation is listed under (empty: only "all").

    Its action's category, and 1 (开放协议同步) as well when an app made it."""
    found = {c for c, prefixes in OPERATION_CATEGORIES.items() if action.startswith(prefixes)}
    if actor.startswith("app:"):
        found.add(1)
    return found


# Response ``type``: Exmail's operation codes (1–54 published), 0 where none fits.
OPERATION_CODES: Mapping[str, int] = {
    "domain.add": 3,
    "domain.remove": 4,
    "branding.logo": 5,
    "notice.post": 9,
    "senderlist.block.add": 11,
    "senderlist.block.remove": 12,
    "senderlist.allow.add": 14,
    "senderlist.allow.remove": 15,
    "member.create": 19,
    "member.delete": 20,
    "member.purge": 20,
    "member.restore": 20,  # with remark 1: "帐号已还原"
    "member.enable": 21,
    "member.disable": 22,
    "member.update": 23,
    "member.options": 23,
    "member.alias_add": 24,
    "member.alias_remove": 24,
    "member.import": 25,
    "admin.grant": 26,
    "admin.revoke": 27,
    "department.create": 28,
    "department.delete": 29,
    "department.update": 30,
    "group.create": 32,
    "group.delete": 33,
    "group.update": 34,
    "backup.create": 35,
    "backup.update": 35,
    "backup.delete": 35,
    "transfer.set": 36,
    "transfer.clear": 36,
    "security.ip_rule.add": 37,
    "security.ip_rule.remove": 37,
    "policy.restrict_external.add": 38,
    "policy.restrict_external.remove": 38,
    "openapi.create": 39,
    "openapi.rotate": 40,
    "openapi.delete": 41,
    "archive.export": 43,
    "member.reset_password": 45,
}
OPERATION_OTHER = 0
RESTORED_REMARK = 1


def operation_code(action: str, detail: Any) -> int:
    """Exmail's response ``type`` of an operation; switches read their new state."""
    enabled = detail.get("enabled") if isinstance(detail, dict) else None
    if action == "openapi.update" and enabled is not None:
        return 39 if enabled else 41  # 开启接口 / 停用接口
    if action == "security.secure_login" and enabled is not None:
        return 50 if enabled else 51  # 开启安全登录 / 关闭安全登录
    if action == "department.update" and isinstance(detail, dict) and "parent_id" in detail:
        return 31  # 移动部门
    if action == "branding.logo" and isinstance(detail, dict) and detail.get("removed"):
        return 6  # 删除LOGO
    return OPERATION_CODES.get(action, OPERATION_OTHER)


# --- log/batchjob (doc#10030) ----------------------------------------------------------
# Response ``type``: 1 mass mail, 2 member import, 3 notice deleted, 5 notice posted,
# 7 company signature set, 0 other. ``status`` has no published table: Qiyou answers
# 0 still running, 1 done, 2 done with failures (the published example shows 1).
BATCH_TYPES: Mapping[str, int] = {
    "mass_mail": 1,
    "member.import": 2,
    "notice.delete": 3,
    "notice.post": 5,
    "signature.template": 7,
}
BATCH_RUNNING, BATCH_DONE, BATCH_FAILED = 0, 1, 2
BATCH_STATUS: Mapping[str, int] = {
    "queued": BATCH_RUNNING,
    "running": BATCH_RUNNING,
    "done": BATCH_DONE,
    "failed": BATCH_FAILED,
}


def batch_type(kind: str) -> int:
    return BATCH_TYPES.get(kind, 0)


def batch_status(status: str) -> int:
    return BATCH_STATUS[status]
