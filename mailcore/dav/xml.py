"""WebDAV XML (RFC 4918): reading request bodies safely (``defusedxml``: no entities, no
external references) and writing multistatus answers. No storage here."""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from defusedxml import ElementTree as safe
from defusedxml.common import DefusedXmlException

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CARDDAV = "urn:ietf:params:xml:ns:carddav"
CS = "http://calendarserver.org/ns/"
APPLE = "http://apple.com/ns/ical/"
MAX_BODY = 256 * 1024  # a PROPFIND or REPORT body; clients send a few kilobytes

for _prefix, _uri in (("d", DAV), ("c", CALDAV), ("card", CARDDAV), ("cs", CS), ("a", APPLE)):
    register_namespace(_prefix, _uri)


class BadXml(ValueError):
    """A body that is not well-formed XML, or not what the method expects."""


def tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def parse(body: bytes) -> Element | None:
    """The root element of a request body; None for an empty one."""
    if not body.strip():
        return None
    if len(body) > MAX_BODY:
        raise BadXml("the request body is too large")
    try:
        return safe.fromstring(body)
    except (safe.ParseError, DefusedXmlException, ValueError) as exc:
        raise BadXml(f"malformed XML: {exc}") from None


def element(name: str, text: str | None = None, *children: Element) -> Element:
    node = Element(name)
    if text is not None:
        node.text = text
    node.extend(children)
    return node


def href(path: str) -> Element:
    return element(tag(DAV, "href"), path)


def response(
    path: str, found: dict[str, Element], missing: list[str] | None = None, status: str = ""
) -> Element:
    """One ``response`` of a multistatus: the properties found (200) and those the resource
    has not (404); or, with ``status``, only that status (a deleted or absent resource)."""
    node = element(tag(DAV, "response"), None, href(path))
    if status:
        SubElement(node, tag(DAV, "status")).text = f"HTTP/1.1 {status}"
        return node
    for props, code in ((list(found.values()), "200 OK"), (missing or [], "404 Not Found")):
        if not props:
            continue
        propstat = SubElement(node, tag(DAV, "propstat"))
        prop = SubElement(propstat, tag(DAV, "prop"))
        for value in props:
            prop.append(value if isinstance(value, Element) else Element(value))
        SubElement(propstat, tag(DAV, "status")).text = f"HTTP/1.1 {code}"
    return node


def multistatus(responses: list[Element], sync_token: str | None = None) -> bytes:
    root = element(tag(DAV, "multistatus"), None, *responses)
    if sync_token is not None:
        SubElement(root, tag(DAV, "sync-token")).text = sync_token
    return document(root)


def error(condition: str, message: str = "") -> bytes:
    """A ``DAV:error`` body naming the precondition that failed (RFC 4918 section 16)."""
    root = element(tag(DAV, "error"), None, Element(condition))
    if message:
        SubElement(root, tag(DAV, "responsedescription")).text = message
    return document(root)


def document(root: Element) -> bytes:
    return tostring(root, encoding="utf-8", xml_declaration=True)


def wanted_props(root: Element | None) -> list[str] | None:
    """The property names a PROPFIND or REPORT asks for; None for ``allprop`` (or no body)."""
    if root is None:
        return None
    prop = root.find(tag(DAV, "prop"))
    if prop is None:
        if (
            root.find(tag(DAV, "propname")) is not None
            or root.find(tag(DAV, "allprop")) is not None
        ):
            return None
        if root.tag == tag(DAV, "propfind"):
            raise BadXml("a propfind names prop, allprop or propname")
        return []
    return [child.tag for child in prop]


def hrefs(root: Element) -> list[str]:
    return [(node.text or "").strip() for node in root.iter(tag(DAV, "href"))]
