"""Reading a DMARC aggregate report out of a mail, safely (RFC 7489 7.2.1.1, appendix C).

The report is an XML file, usually zipped or gzipped, attached to (or the body of) the mail.
What comes from outside is bounded: the attachment (``MAX_PACKED``), the unpacked XML
(``MAX_XML``: a zip or gzip bomb stops there, whatever its headers claim), the number of
elements (``MAX_ELEMENTS``, counted before any tree is built) and of rows (``MAX_ROWS``).
The XML is read by ``defusedxml`` with no DTD at all, so no entity is ever expanded or
fetched. Anything wrong raises ``ReportError`` with the reason.
"""

from __future__ import annotations

import email
import email.policy
import gzip
import io
import ipaddress
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

MAX_PACKED = 5 << 20
MAX_XML = 8 << 20
MAX_ROWS = 10_000
# Elements before the tree is built (a 10,000-record report has ~300,000): 20 MB of "<r/>"
# took 12 s and 510 MB to parse, and is now refused by one count of its "<".
MAX_ELEMENTS = 400_000
REPORT_TYPES = {
    "application/zip",
    "application/x-zip-compressed",
    "application/gzip",
    "application/x-gzip",
    "application/xml",
    "text/xml",
}
REPORT_SUFFIXES = (".zip", ".gz", ".xml")
_DISPOSITIONS = {"none", "quarantine", "reject"}
_RESULTS = {"pass", "fail", "none", "neutral", "softfail", "temperror", "permerror"}


class ReportError(ValueError):
    """Not a DMARC aggregate report we can read; the message says why."""


@dataclass(frozen=True)
class Row:
    source_ip: str
    count: int
    disposition: str
    dkim: str
    spf: str
    header_from: str


@dataclass(frozen=True)
class Report:
    org_name: str
    org_email: str
    report_id: str
    date_begin: datetime
    date_end: datetime
    domain: str
    policy: str
    rows: list[Row] = field(default_factory=list)


def looks_like_report(content_type: str, filename: str) -> bool:
    """An attachment that may hold a report (what the intake looks for, cheaply)."""
    return content_type.lower() in REPORT_TYPES or filename.lower().endswith(REPORT_SUFFIXES)


def report_from_mail(raw: bytes) -> Report:
    """The report in this mail: the first part that unpacks to one."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    problems = []
    for part in message.walk():
        if part.is_multipart():
            continue
        if not looks_like_report(part.get_content_type(), part.get_filename() or ""):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload:
            continue
        try:
            return parse_report(unpack(payload))
        except ReportError as exc:
            problems.append(str(exc))
    raise ReportError(problems[0] if problems else "no report attached")


def unpack(data: bytes) -> bytes:
    """The XML of a zip (its first .xml member), gzip or plain attachment, at most MAX_XML."""
    if len(data) > MAX_PACKED:
        raise ReportError(f"the attachment is over {MAX_PACKED} bytes")
    if data.startswith(b"PK\x03\x04"):
        return _unzip(data)
    if data.startswith(b"\x1f\x8b"):
        return _gunzip(data)
    return data


def _unzip(data: bytes) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [i for i in archive.infolist() if not i.is_dir()]
        if not members:
            raise ReportError("the zip file is empty")
        with archive.open(members[0]) as stream:  # read in bounds, whatever file_size says
            xml = stream.read(MAX_XML + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise ReportError(f"not a readable zip file ({exc})") from exc
    if len(xml) > MAX_XML:
        raise ReportError(f"the report unpacks to more than {MAX_XML} bytes")
    return xml


def _gunzip(data: bytes) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            xml = stream.read(MAX_XML + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise ReportError(f"not a readable gzip file ({exc})") from exc
    if len(xml) > MAX_XML:
        raise ReportError(f"the report unpacks to more than {MAX_XML} bytes")
    return xml


def parse_report(xml: bytes) -> Report:
    if xml.count(b"<") > MAX_ELEMENTS:
        raise ReportError(f"more than {MAX_ELEMENTS} elements")
    try:
        root = fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise ReportError(f"not well-formed XML without a DTD ({exc})") from exc
    _strip_namespaces(root)
    if root.tag != "feedback":
        raise ReportError(f"the root element is <{root.tag[:40]}>, not <feedback>")
    meta = _child(root, "report_metadata")
    dates = _child(meta, "date_range")
    published = _child(root, "policy_published")
    records = root.findall("record")
    if len(records) > MAX_ROWS:
        raise ReportError(f"more than {MAX_ROWS} records")
    return Report(
        org_name=_text(meta, "org_name", 200),
        org_email=_text(meta, "email", 320, required=False),
        report_id=_text(meta, "report_id", 200),
        date_begin=_time(_text(dates, "begin", 20)),
        date_end=_time(_text(dates, "end", 20)),
        domain=_text(published, "domain", 253).lower(),
        policy=_text(published, "p", 16, required=False).lower(),
        rows=[_row(r) for r in records],
    )


def _row(record: Element) -> Row:
    row = _child(record, "row")
    evaluated = _child(row, "policy_evaluated")
    source_ip = _text(row, "source_ip", 45)
    try:
        source_ip = str(ipaddress.ip_address(source_ip))
    except ValueError as exc:
        raise ReportError(f"not an IP address: {source_ip!r}") from exc
    count = _text(row, "count", 10)
    if not count.isdigit() or int(count) > 2**31 - 1:
        raise ReportError(f"not a count: {count!r}")
    disposition = _text(evaluated, "disposition", 16).lower()
    if disposition not in _DISPOSITIONS:
        raise ReportError(f"not a disposition: {disposition!r}")
    dkim, spf = (_text(evaluated, name, 16).lower() for name in ("dkim", "spf"))
    for result in (dkim, spf):
        if result not in _RESULTS:
            raise ReportError(f"not a DKIM/SPF result: {result!r}")
    header_from = _text(_child(record, "identifiers"), "header_from", 253).lower()
    return Row(source_ip, int(count), disposition, dkim, spf, header_from)


def _strip_namespaces(root: Element) -> None:
    """DMARC reports come with and without a namespace (the 2.0 drafts add one)."""
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.rsplit("}", 1)[1]


def _child(parent: Element, name: str) -> Element:
    found = parent.find(name)
    if found is None:
        raise ReportError(f"<{parent.tag}> has no <{name}>")
    return found


def _text(parent: Element, name: str, limit: int, *, required: bool = True) -> str:
    found = parent.find(name)
    text = " ".join((found.text or "").split()) if found is not None else ""
    if required and not text:
        raise ReportError(f"<{parent.tag}> has no <{name}>")
    if len(text) > limit:
        raise ReportError(f"<{name}> is longer than {limit} characters")
    return text


def _time(text: str) -> datetime:
    if not text.isdigit() or int(text) > 253402300799:  # up to 9999-12-31
        raise ReportError(f"not a time: {text!r}")
    return datetime.fromtimestamp(int(text), UTC)
