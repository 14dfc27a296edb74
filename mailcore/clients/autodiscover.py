"""Outlook autodiscover (POX, the 2006 "outlook" schema): read the request, write the answer.

The request comes from anyone on the internet, so it is parsed with defusedxml with DTDs
(and so entities) forbidden, after the caller has limited its size. The answer has one
``Protocol`` block per advertised endpoint (implicit TLS first: Outlook takes the first of
each type). Reference: [MS-OXDSCLI] and
https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/pox-autodiscover-response-for-exchange
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from mailcore.clients.endpoints import ClientSetup, Security
from mailcore.clients.errors import SetupError, SetupErrorCode

MAX_REQUEST = 16 * 1024  # a real request is ~400 bytes
RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_SCHEMA = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"

# [MS-OXDSCLI] error codes
_ERROR_CODES = {
    SetupErrorCode.UNKNOWN_DOMAIN: 500,  # the e-mail address cannot be found
    SetupErrorCode.NOT_OFFERED: 501,  # no configuration for this user
    SetupErrorCode.UNSUPPORTED_SCHEMA: 601,  # no configuration for the requested schema
}


@dataclass(frozen=True)
class AutodiscoverRequest:
    email: str
    schema: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_request(body: bytes) -> AutodiscoverRequest:
    """The address and response schema of a request, or MALFORMED_REQUEST / FORBIDDEN_XML."""
    if len(body) > MAX_REQUEST:
        raise SetupError(SetupErrorCode.TOO_LARGE, f"requests are at most {MAX_REQUEST} bytes")
    try:
        root = fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise SetupError(SetupErrorCode.FORBIDDEN_XML, "DTDs and entities are not allowed") from exc
    except (ET.ParseError, ValueError) as exc:
        raise SetupError(SetupErrorCode.MALFORMED_REQUEST, "the request is not XML") from exc
    if _local(root.tag) != "Autodiscover":
        raise SetupError(SetupErrorCode.MALFORMED_REQUEST, "the root element is not Autodiscover")
    found: dict[str, str] = {}
    for element in root.iter():
        name = _local(element.tag)
        if name in ("EMailAddress", "AcceptableResponseSchema") and name not in found:
            found[name] = (element.text or "").strip()
    if not found.get("EMailAddress"):
        raise SetupError(SetupErrorCode.MALFORMED_REQUEST, "the request has no EMailAddress")
    return AutodiscoverRequest(found["EMailAddress"], found.get("AcceptableResponseSchema", ""))


def check_schema(request: AutodiscoverRequest) -> None:
    """Only the Outlook schema is answered (no Exchange ActiveSync, no EWS)."""
    if request.schema and request.schema != OUTLOOK_SCHEMA:
        raise SetupError(SetupErrorCode.UNSUPPORTED_SCHEMA, f"{request.schema} is not offered")


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = text


def _document(response: ET.Element) -> bytes:
    root = ET.Element("Autodiscover", xmlns=RESPONSE_NS)
    root.append(response)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def response_xml(setup: ClientSetup, login: str, display_name: str) -> bytes:
    """The settings of every advertised endpoint for the member signing in as ``login``."""
    response = ET.Element("Response", xmlns=OUTLOOK_SCHEMA)
    user = ET.SubElement(response, "User")
    _text(user, "DisplayName", display_name)
    account = ET.SubElement(response, "Account")
    _text(account, "AccountType", "email")
    _text(account, "Action", "settings")
    for endpoint in setup.endpoints:
        protocol = ET.SubElement(account, "Protocol")
        _text(protocol, "Type", endpoint.protocol.value)
        _text(protocol, "Server", setup.host)
        _text(protocol, "Port", str(endpoint.port))
        _text(protocol, "DomainRequired", "off")
        _text(protocol, "LoginName", login)
        _text(protocol, "SPA", "off")
        _text(protocol, "SSL", "on")
        # Encryption overrides SSL: SSL = implicit TLS, TLS = STARTTLS.
        _text(protocol, "Encryption", "SSL" if endpoint.security is Security.SSL else "TLS")
        _text(protocol, "AuthRequired", "on")
    return _document(response)


def error_xml(error: SetupError) -> bytes:
    """The autodiscover error document: 600 (invalid request) unless a code says otherwise."""
    response = ET.Element("Response")
    now = datetime.now(UTC)
    failure = ET.SubElement(
        response, "Error", Time=now.strftime("%H:%M:%S.%f"), Id=str(int(now.timestamp()))
    )
    _text(failure, "ErrorCode", str(_ERROR_CODES.get(error.code, 600)))
    _text(failure, "Message", error.message)
    ET.SubElement(failure, "DebugData")
    return _document(response)
