"""THREAD and UID THREAD (RFC 5256): REFERENCES and ORDEREDSUBJECT.

``references`` follows RFC 5256 §2.2: containers linked by the References (else
In-Reply-To) ids, the root set, dummies pruned, siblings sorted by sent date, roots of the
same base subject gathered, then written as ``(1 2 (3)(4 5))``. The inputs are ``Msg``
records built from the rows of one query (message ids and references are stored at ingest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from mailcore.protocols.imap.parser import Command
from mailcore.protocols.imap.responses import Bad
from mailcore.protocols.imap.search import check_charset, parse_keys, run
from mailcore.protocols.imap.session import SELECTED, Session, command
from mailcore.protocols.imap.sort import sent_date
from mailcore.protocols.imap.subjects import base_subject

if TYPE_CHECKING:
    from mailcore.protocols.imap.selected import Selected

MAX_DEPTH = 2_000  # deeper chains are cut (the output stays bounded)


@dataclass(slots=True)
class Msg:
    number: int  # message number or UID, as the answer needs
    message_id: str
    references: list[str]
    subject: str
    date: datetime


@dataclass(eq=False)
class Node:
    msg: Msg | None = None
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)

    def date(self) -> tuple[datetime, int]:
        if self.msg is not None:
            return self.msg.date, self.msg.number
        return self.children[0].date() if self.children else (datetime.min, 0)

    def subject(self) -> str:
        if self.msg is not None:
            return self.msg.subject
        return self.children[0].subject() if self.children else ""

    def reaches(self, other: Node) -> bool:
        """Whether ``other`` is this node or one of its ancestors."""
        node: Node | None = self
        for _ in range(MAX_DEPTH):
            if node is None:
                return False
            if node is other:
                return True
            node = node.parent
        return True


def _link(parent: Node, child: Node) -> None:
    if child.parent is not None:
        child.parent.children.remove(child)
    child.parent = parent
    parent.children.append(child)


def _prune(nodes: list[Node]) -> list[Node]:
    """Dummies: without children dropped; with children replaced by them (kept at the root
    when they hold several)."""
    out: list[Node] = []
    for node in nodes:
        node.children = _prune(node.children)
        for child in node.children:
            child.parent = node
        if node.msg is None:
            if not node.children:
                continue
            if node.parent is not None or len(node.children) == 1:
                for child in node.children:
                    child.parent = node.parent
                out.extend(node.children)
                continue
        out.append(node)
    return out


def _sort(nodes: list[Node]) -> None:
    for node in nodes:
        _sort(node.children)
    nodes.sort(key=Node.date)


def _group(roots: list[Node]) -> list[Node]:
    """RFC 5256 §2.2 step 5: roots with the same base subject become one thread."""
    table: dict[str, Node] = {}
    for root in roots:
        base, reply = base_subject(root.subject())
        if not base:
            continue
        old = table.get(base)
        if old is None or (root.msg is None and old.msg is not None):
            table[base] = root
        elif old.msg is not None and base_subject(old.subject())[1] and not reply:
            table[base] = root
    out: list[Node] = []
    for root in roots:
        if root.parent is not None:  # made a child of a dummy already
            continue
        base, reply = base_subject(root.subject())
        top = table.get(base) if base else None
        if top is None or top is root:
            out.append(root)
        elif top.msg is None and root.msg is None:
            for child in list(root.children):
                _link(top, child)
        elif top.msg is None or (reply and not base_subject(top.subject())[1]):
            _link(top, root)
        else:
            dummy = Node()
            if top in out:
                out[out.index(top)] = dummy
            else:
                out.append(dummy)
            _link(dummy, top)
            _link(dummy, root)
            table[base] = dummy
    _sort(out)
    return out


def references(msgs: list[Msg]) -> list[Node]:
    """The threads (roots) of RFC 5256 REFERENCES."""
    nodes: dict[str, Node] = {}

    def container(mid: str) -> Node:
        node = nodes.get(mid)
        if node is None:
            node = nodes[mid] = Node()
        return node

    for msg in msgs:
        mid = msg.message_id
        if not mid or (mid in nodes and nodes[mid].msg is not None):
            mid = f"\x00{msg.number}"  # missing or duplicate id: a container of its own
        own = container(mid)
        own.msg = msg
        refs = [r for r in msg.references if r and r != mid]
        for a, b in zip(refs, refs[1:], strict=False):
            pa, pb = container(a), container(b)
            if pb.parent is None and not pa.reaches(pb):
                _link(pa, pb)
        if refs:
            parent = container(refs[-1])
            if not parent.reaches(own):
                _link(parent, own)
        elif own.parent is not None:
            own.parent.children.remove(own)
            own.parent = None
    roots = [node for node in nodes.values() if node.parent is None]
    roots = _prune(roots)
    _sort(roots)
    return _group(roots)


def ordered_subject(msgs: list[Msg]) -> list[Node]:
    """ORDEREDSUBJECT: by base subject; the first (by date) is the parent of the rest."""
    groups: dict[str, list[Msg]] = {}
    for msg in sorted(msgs, key=lambda m: (m.date, m.number)):
        groups.setdefault(base_subject(msg.subject)[0], []).append(msg)
    roots = []
    for group in groups.values():
        root = Node(group[0])
        for msg in group[1:]:
            _link(root, Node(msg))
        roots.append(root)
    return roots


def render(node: Node, depth: int = 0) -> str:
    """One thread without its outer parentheses: ``1 2 (3)(4 5)``."""
    parts: list[str] = []
    while True:
        if node.msg is not None:
            parts.append(str(node.msg.number))
        if len(node.children) == 1 and depth < MAX_DEPTH:
            node = node.children[0]
            depth += 1
            continue
        if node.children and depth < MAX_DEPTH:
            parts.append("".join(f"({render(c, depth + 1)})" for c in node.children))
        return " ".join(parts)


ALGORITHMS = {"REFERENCES": references, "ORDEREDSUBJECT": ordered_subject}


@command("THREAD", "UID THREAD", states=SELECTED)
async def thread(session: Session, cmd: Command) -> None:
    selected: Selected = session.selected  # type: ignore[assignment]
    by_uid = cmd.name == "UID THREAD"
    algorithm = ALGORITHMS.get(cmd.args.atom("thread algorithm").upper())
    if algorithm is None:
        raise Bad("THREAD algorithms are REFERENCES and ORDEREDSUBJECT")
    check_charset(cmd.args.astring("charset"))
    key = parse_keys(cmd.args)
    rows = await run(session, selected, key, with_message=True)
    msgs = []
    for row in rows:
        m = row.message or {}
        refs = (m.get("references") or "").split()
        if not refs and m.get("in_reply_to"):
            refs = [m["in_reply_to"]]
        number = row.uid if by_uid else selected.msn(row.uid)
        subject = m.get("subject") or ""
        msgs.append(Msg(number, m.get("message_id") or "", refs, subject, sent_date(row)))
    roots = algorithm(msgs)
    session.untagged("THREAD " + "".join(f"({render(root)})" for root in roots))
