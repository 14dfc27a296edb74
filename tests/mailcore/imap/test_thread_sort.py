"""Base subjects, SORT ordering and THREAD=REFERENCES/ORDEREDSUBJECT (RFC 5256)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailcore.protocols.imap.mailrows import Row
from mailcore.protocols.imap.parser import Atom
from mailcore.protocols.imap.responses import Bad
from mailcore.protocols.imap.sort import ordered, parse_criteria
from mailcore.protocols.imap.subjects import base_subject
from mailcore.protocols.imap.thread import Msg, ordered_subject, references, render

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("subject", "base", "reply"),
    [
        ("Hello", "hello", False),
        ("Re: Hello", "hello", True),
        ("RE: re: Fwd:  Hello   World", "hello world", True),
        ("[list] Re: Hello", "hello", True),
        ("Hello (fwd)", "hello", True),
        ("[Fwd: Re: Hello]", "hello", True),
        ("[list] Hello", "hello", False),
        ("[only a blob]", "[only a blob]", False),
        ("", "", False),
    ],
)
def test_base_subject(subject: str, base: str, reply: bool) -> None:
    assert base_subject(subject) == (base, reply)


def row(uid: int, size: int = 0, subject: str = "", frm: str = "", day: int = 0) -> Row:
    message = {
        "subject": subject,
        "from_address": frm,
        "from_name": "",
        "to_json": "[]",
        "cc_json": [],
        "date": T0 + timedelta(days=day),
    }
    return Row(uid, uid, uid, False, False, False, False, False, "", T0, size, "x", message)


def test_sort_criteria_reverse_and_ties() -> None:
    rows = [row(1, 30, "b", "Zed@x"), row(2, 10, "Re: a", "amy@x"), row(3, 30, "a", "bob@x")]
    uids = lambda rs: [r.uid for r in rs]  # noqa: E731
    assert uids(ordered(rows, parse_criteria([Atom("SIZE")]))) == [2, 1, 3]
    assert uids(ordered(rows, parse_criteria([Atom("REVERSE"), Atom("SIZE")]))) == [1, 3, 2]
    assert uids(ordered(rows, parse_criteria([Atom("SUBJECT"), Atom("FROM")]))) == [2, 3, 1]
    assert uids(ordered(rows, parse_criteria([Atom("FROM")]))) == [2, 3, 1]
    for bad in ([], [Atom("REVERSE")], [Atom("COLOR")]):
        with pytest.raises(Bad):
            parse_criteria(bad)


def msg(n: int, mid: str, refs: list[str], subject: str = "s", day: int = 0) -> Msg:
    return Msg(n, mid, refs, subject, T0 + timedelta(days=day, minutes=n))


def threads(roots) -> str:
    return "".join(f"({render(r)})" for r in roots)


def test_references_chains_branches_and_dummies() -> None:
    msgs = [
        msg(1, "a", [], "one"),
        msg(2, "b", ["a"], "Re: one"),
        msg(3, "c", ["a", "b"], "Re: one"),
        msg(4, "d", ["a"], "Re: one"),
        msg(5, "e", ["missing"], "two"),
        msg(6, "f", ["missing"], "Re: two"),
        msg(7, "g", [], "three"),
    ]
    assert threads(references(msgs)) == "(1 (2 3)(4))((5)(6))(7)"


def test_references_groups_roots_by_subject_and_survives_loops() -> None:
    msgs = [msg(1, "a", [], "Hello"), msg(2, "b", [], "Re: Hello", day=1)]
    assert threads(references(msgs)) == "(1 2)"
    loop = [msg(1, "a", ["b"], "x"), msg(2, "b", ["a"], "y")]
    assert threads(references(loop)) in ("(1 2)", "(2 1)")
    same_id = [msg(1, "a", []), msg(2, "a", [])]
    assert "1" in threads(references(same_id)) and "2" in threads(references(same_id))


def test_ordered_subject() -> None:
    msgs = [msg(1, "", [], "A"), msg(2, "", [], "B"), msg(3, "", [], "Re: A"), msg(4, "", [], "a")]
    assert threads(ordered_subject(msgs)) == "(1 (3)(4))(2)"
