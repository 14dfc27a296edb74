"""Server settings of common providers, for the account form (all over TLS).

The providers want an app password or an authorization code (授权码) instead of the web
login password: QQ Mail/Exmail and 163 under their settings' POP3/IMAP page, Gmail and
Outlook under the account's security page (docs/external-accounts.md). Each names the
provider's SMTP server too, the default for sending as the account's address (send-as).
"""

from __future__ import annotations

from dataclasses import dataclass

from mailcore.core.models import ExternalProtocol, ExternalSecurity


@dataclass(frozen=True)
class Preset:
    key: str
    name: str
    protocol: ExternalProtocol
    host: str
    port: int
    security: ExternalSecurity = ExternalSecurity.TLS
    smtp_host: str = ""
    smtp_port: int = 465
    smtp_security: ExternalSecurity = ExternalSecurity.TLS


IMAP, POP3 = ExternalProtocol.IMAP, ExternalProtocol.POP3
STARTTLS = ExternalSecurity.STARTTLS

PRESETS = [
    Preset(
        "exmail-imap",
        "腾讯企业邮 Exmail (IMAP)",
        IMAP,
        "imap.exmail.qq.com",
        993,
        smtp_host="smtp.exmail.qq.com",
    ),
    Preset(
        "exmail-pop3",
        "腾讯企业邮 Exmail (POP3)",
        POP3,
        "pop.exmail.qq.com",
        995,
        smtp_host="smtp.exmail.qq.com",
    ),
    Preset(
        "qq-imap",
        "QQ 邮箱 (IMAP)",
        IMAP,
        "imap.qq.com",
        993,
        smtp_host="smtp.qq.com",
    ),
    Preset(
        "qq-pop3",
        "QQ 邮箱 (POP3)",
        POP3,
        "pop.qq.com",
        995,
        smtp_host="smtp.qq.com",
    ),
    Preset(
        "163-imap",
        "网易 163 邮箱 (IMAP)",
        IMAP,
        "imap.163.com",
        993,
        smtp_host="smtp.163.com",
    ),
    Preset(
        "163-pop3",
        "网易 163 邮箱 (POP3)",
        POP3,
        "pop.163.com",
        995,
        smtp_host="smtp.163.com",
    ),
    Preset(
        "gmail-imap",
        "Gmail (IMAP)",
        IMAP,
        "imap.gmail.com",
        993,
        smtp_host="smtp.gmail.com",
    ),
    Preset(
        "gmail-pop3",
        "Gmail (POP3)",
        POP3,
        "pop.gmail.com",
        995,
        smtp_host="smtp.gmail.com",
    ),
    Preset(
        "outlook-imap",
        "Outlook / Microsoft 365 (IMAP)",
        IMAP,
        "outlook.office365.com",
        993,
        smtp_host="smtp.office365.com",
        smtp_port=587,
        smtp_security=STARTTLS,
    ),
    Preset(
        "outlook-pop3",
        "Outlook / Microsoft 365 (POP3)",
        POP3,
        "outlook.office365.com",
        995,
        smtp_host="smtp.office365.com",
        smtp_port=587,
        smtp_security=STARTTLS,
    ),
]


def smtp_preset(host: str) -> Preset | None:
    """The preset of a fetch server, for its SMTP server (None: not a known provider)."""
    host = host.strip().lower()
    return next((p for p in PRESETS if p.host == host and p.smtp_host), None)
