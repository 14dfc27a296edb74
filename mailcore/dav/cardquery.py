"""The filter of a CardDAV addressbook-query (RFC 6352 section 10.5): prop-filters with
text-match (equals, contains, starts-with, ends-with; collations i;unicode-casemap,
i;ascii-casemap and i;octet; negate-condition), is-not-defined and param-filter, combined
with ``test="anyof"`` (the default) or ``"allof"``; and the ``limit`` of results. Each card
is read with ``vobject``; a filter this server cannot evaluate is 403 CARDDAV:supported-filter
or supported-collation, as the RFC asks."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

import vobject

from mailcore.dav.errors import DavError
from mailcore.dav.xml import CARDDAV, tag

SUPPORTED_FILTER = tag(CARDDAV, "supported-filter")
SUPPORTED_COLLATION = tag(CARDDAV, "supported-collation")
COLLATIONS = ("i;unicode-casemap", "i;ascii-casemap", "i;octet")
MATCH_TYPES = ("equals", "contains", "starts-with", "ends-with")
MAX_RESULTS = 5000


@dataclass(frozen=True)
class TextMatch:
    text: str
    collation: str
    match_type: str
    negate: bool

    def test(self, value: str) -> bool:
        needle, hay = self.text, value
        if self.collation == "i;unicode-casemap":
            needle, hay = needle.casefold(), hay.casefold()
        elif self.collation == "i;ascii-casemap":
            needle, hay = _ascii_lower(needle), _ascii_lower(hay)
        found = {
            "equals": hay == needle,
            "contains": needle in hay,
            "starts-with": hay.startswith(needle),
            "ends-with": hay.endswith(needle),
        }[self.match_type]
        return found != self.negate


@dataclass(frozen=True)
class ParamFilter:
    name: str
    undefined: bool
    match: TextMatch | None


@dataclass(frozen=True)
class PropFilter:
    name: str
    all_of: bool
    undefined: bool
    matches: list[TextMatch] = field(default_factory=list)
    params: list[ParamFilter] = field(default_factory=list)


@dataclass(frozen=True)
class Condition:
    all_of: bool
    props: list[PropFilter]


def _ascii_lower(text: str) -> str:
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def _test(node: Element) -> bool:
    value = node.get("test", "anyof")
    if value not in ("anyof", "allof"):
        raise DavError(403, f"test={value[:20]} is not known", SUPPORTED_FILTER)
    return value == "allof"


def _text_match(node: Element) -> TextMatch:
    collation = node.get("collation", "i;unicode-casemap")
    if collation not in COLLATIONS:
        raise DavError(403, f"collation {collation[:40]} is not supported", SUPPORTED_COLLATION)
    match_type = node.get("match-type", "contains")
    if match_type not in MATCH_TYPES:
        raise DavError(403, f"match-type {match_type[:20]} is not known", SUPPORTED_FILTER)
    negate = node.get("negate-condition", "no") == "yes"
    return TextMatch(node.text or "", collation, match_type, negate)


def _prop_filter(node: Element) -> PropFilter:
    name = node.get("name", "").strip().lower()
    if not name:
        raise DavError(403, "a prop-filter names a property", SUPPORTED_FILTER)
    undefined = node.find(tag(CARDDAV, "is-not-defined")) is not None
    matches = [_text_match(n) for n in node.findall(tag(CARDDAV, "text-match"))]
    params = []
    for p in node.findall(tag(CARDDAV, "param-filter")):
        inner = p.find(tag(CARDDAV, "text-match"))
        params.append(
            ParamFilter(
                p.get("name", "").strip().upper(),
                p.find(tag(CARDDAV, "is-not-defined")) is not None,
                _text_match(inner) if inner is not None else None,
            )
        )
    return PropFilter(name, _test(node), undefined, matches, params)


def parse_filter(root: Element) -> tuple[Condition | None, int | None]:
    """The query's condition (None: every card) and its result limit (None: no limit)."""
    limit = None
    nresults = root.find(f"{tag(CARDDAV, 'limit')}/{tag(CARDDAV, 'nresults')}")
    if nresults is not None:
        text = (nresults.text or "").strip()
        if not text.isdigit():
            raise DavError(403, "nresults is a number", SUPPORTED_FILTER)
        limit = max(1, min(int(text), MAX_RESULTS))
    node = root.find(tag(CARDDAV, "filter"))
    if node is None:
        return None, limit
    filters = [_prop_filter(p) for p in node.findall(tag(CARDDAV, "prop-filter"))]
    if not filters:
        return None, limit
    return Condition(_test(node), filters), limit


def _value(line) -> str:  # noqa: ANN001 - a vobject ContentLine
    value = line.value
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bytes):
        return ""
    return str(value)


def _prop_matches(f: PropFilter, lines: list) -> bool:
    if f.undefined:
        return not lines
    if not lines:
        return False
    tests = [lambda line, m=m: m.test(_value(line)) for m in f.matches]
    for p in f.params:
        tests.append(lambda line, p=p: _param_matches(p, line))
    if not tests:
        return True
    results = [any(t(line) for line in lines) for t in tests]
    return all(results) if f.all_of else any(results)


def _param_matches(p: ParamFilter, line) -> bool:  # noqa: ANN001
    values = line.params.get(p.name)
    if p.undefined:
        return values is None
    if values is None:
        return False
    if p.match is None:
        return True
    return any(p.match.test(str(v)) for v in values)


def matches(condition: Condition, text: str) -> bool:
    """Whether a stored card passes the condition (an unreadable card passes none)."""
    try:
        card = vobject.readOne(text, validate=False)
    except Exception:  # noqa: BLE001 - stored cards were read once; be safe anyway
        return False
    results = (_prop_matches(f, card.contents.get(f.name, [])) for f in condition.props)
    return all(results) if condition.all_of else any(results)
