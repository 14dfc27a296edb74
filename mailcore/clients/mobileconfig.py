"""Apple configuration profile (.mobileconfig) with one com.apple.mail.managed payload.

No password is put in it: iOS and macOS ask for it when the profile is installed. The
profile is not signed (the device shows it as "Unverified"); the UUIDs are derived from the
host and the address, so installing a newer profile replaces the older one. Reference:
https://developer.apple.com/documentation/devicemanagement/mail
"""

from __future__ import annotations

import plistlib
import uuid

from mailcore.clients.endpoints import ClientSetup, Protocol
from mailcore.clients.errors import SetupError, SetupErrorCode

CONTENT_TYPE = "application/x-apple-aspen-config"


def _identifier(host: str) -> str:
    return ".".join(reversed(host.split("."))) + ".qiyou"


def profile(setup: ClientSetup, *, email: str, name: str, organization: str) -> bytes:
    """The profile for the member ``email``: IMAP (else POP3) in, submission out, TLS on."""
    incoming = setup.preferred(Protocol.IMAP) or setup.preferred(Protocol.POP3)
    outgoing = setup.preferred(Protocol.SMTP)
    if incoming is None or outgoing is None:
        raise SetupError(SetupErrorCode.NOT_OFFERED, "no mail-client servers are on")
    base = _identifier(setup.host)
    seed = f"{setup.host}/{email}"
    account = {
        "PayloadType": "com.apple.mail.managed",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{base}.mail.{email}",
        "PayloadUUID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"qiyou-mail:{seed}")).upper(),
        "PayloadDisplayName": email,
        "PayloadDescription": f"Mail account {email}",
        "EmailAccountDescription": f"{organization or setup.host} ({email})",
        "EmailAccountName": name or email,
        "EmailAccountType": "EmailTypeIMAP"
        if incoming.protocol is Protocol.IMAP
        else "EmailTypePOP",
        "EmailAddress": email,
        "IncomingMailServerAuthentication": "EmailAuthPassword",
        "IncomingMailServerHostName": setup.host,
        "IncomingMailServerPortNumber": incoming.port,
        "IncomingMailServerUseSSL": True,
        "IncomingMailServerUsername": email,
        "OutgoingMailServerAuthentication": "EmailAuthPassword",
        "OutgoingMailServerHostName": setup.host,
        "OutgoingMailServerPortNumber": outgoing.port,
        "OutgoingMailServerUseSSL": True,
        "OutgoingMailServerUsername": email,
        "OutgoingPasswordSameAsIncomingPassword": True,
        "PreventMove": False,
        "PreventAppSheet": False,
        "SMIMEEnabled": False,
        "allowMailDrop": False,
    }
    document = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{base}.profile.{email}",
        "PayloadUUID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"qiyou-profile:{seed}")).upper(),
        "PayloadDisplayName": f"{organization or setup.host} mail",
        "PayloadDescription": f"Sets up the mail account {email}",
        "PayloadOrganization": organization or setup.host,
        "PayloadRemovalDisallowed": False,
        "PayloadContent": [account],
    }
    return plistlib.dumps(document, fmt=plistlib.FMT_XML, sort_keys=True)
