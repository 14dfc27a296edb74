"""Thunderbird autoconfig: the Mozilla ISPDB document (clientConfig version 1.1).

Served at ``/.well-known/autoconfig/mail/config-v1.1.xml`` and, for the
``autoconfig.<domain>`` host, ``/mail/config-v1.1.xml``. Thunderbird tries the servers in
document order, so implicit TLS comes before STARTTLS. Reference:
https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from mailcore.clients.endpoints import ClientSetup, Protocol, Security
from mailcore.clients.lookup import HostedDomain

_SOCKET_TYPE = {Security.SSL: "SSL", Security.STARTTLS: "STARTTLS"}
_TYPE = {Protocol.IMAP: "imap", Protocol.POP3: "pop3", Protocol.SMTP: "smtp"}


def _username(domain: HostedDomain) -> str:
    if domain.login_domain == domain.name:
        return "%EMAILADDRESS%"
    return f"%EMAILLOCALPART%@{domain.login_domain}"


def autoconfig_xml(setup: ClientSetup, domain: HostedDomain) -> bytes:
    root = ET.Element("clientConfig", version="1.1")
    provider = ET.SubElement(root, "emailProvider", id=domain.name)
    ET.SubElement(provider, "domain").text = domain.name
    ET.SubElement(provider, "displayName").text = domain.organization or domain.name
    ET.SubElement(provider, "displayShortName").text = domain.organization or domain.name
    for endpoint in setup.endpoints:
        tag = "outgoingServer" if endpoint.protocol is Protocol.SMTP else "incomingServer"
        server = ET.SubElement(provider, tag, type=_TYPE[endpoint.protocol])
        ET.SubElement(server, "hostname").text = setup.host
        ET.SubElement(server, "port").text = str(endpoint.port)
        ET.SubElement(server, "socketType").text = _SOCKET_TYPE[endpoint.security]
        ET.SubElement(server, "authentication").text = "password-cleartext"
        ET.SubElement(server, "username").text = _username(domain)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
