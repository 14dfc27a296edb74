"""IMAP sequence sets (RFC 9051 §9 ``sequence-set``): message numbers or UIDs, ``*``, ranges.

``parse("1:3,7,9:*")`` gives a ``SequenceSet`` of ranges with ``*`` kept open; it is resolved
against the selected mailbox when used: ``message_numbers(count)`` for message sequence numbers,
``pick(uids)`` for UIDs (only those that exist), ``uid_ranges(largest)`` for SQL. Work is
proportional to the number of ranges and the numbers returned, never to the width of a range
(``1:4294967295`` is as cheap as ``1:2``). ``compact`` writes numbers back as a set.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_NUMBER = 4_294_967_295  # nz-number: 32 bits
MAX_RANGES = 100_000
STAR = -1  # "*" until resolved


class BadSequence(ValueError):
    """Not a sequence set, or it names a message that does not exist."""


@dataclass(frozen=True, slots=True)
class SequenceSet:
    ranges: tuple[tuple[int, int], ...]  # (first, last) as written; STAR for "*"
    saved: bool = False  # "$": the saved search result (RFC 5182)

    def resolved(self, largest: int) -> list[tuple[int, int]]:
        """The ranges with ``*`` = ``largest``, each low to high, sorted and merged."""
        out: list[tuple[int, int]] = []
        for a, b in self.ranges:
            a = largest if a == STAR else a
            b = largest if b == STAR else b
            out.append((a, b) if a <= b else (b, a))
        out.sort()
        merged: list[tuple[int, int]] = []
        for a, b in out:
            if merged and a <= merged[-1][1] + 1:
                if b > merged[-1][1]:
                    merged[-1] = (merged[-1][0], b)
            else:
                merged.append((a, b))
        return merged

    def message_numbers(self, count: int) -> list[int]:
        """The message sequence numbers named, ascending; a range wholly above ``count`` is an
        error, as RFC 9051 asks (``1:*`` in an empty mailbox names nothing)."""
        numbers: list[int] = []
        for a, b in self.ranges:
            low = min(count if a == STAR else a, count if b == STAR else b)
            if low > count:
                raise BadSequence(f"no message {low} (the mailbox has {count})")
        for a, b in self.resolved(count):
            numbers.extend(range(max(a, 1), min(b, count) + 1))
        return numbers

    def pick(self, uids: Sequence[int]) -> list[int]:
        """The UIDs of ``uids`` (ascending) that the set names; ``*`` is the largest UID."""
        if not uids:
            return []
        found: list[int] = []
        for a, b in self.resolved(uids[-1]):
            found.extend(uids[bisect_left(uids, a) : bisect_right(uids, b)])
        return found

    def uid_ranges(self, largest: int) -> list[tuple[int, int]]:
        """The UID ranges (for SQL), ``*`` = ``largest`` (the largest UID in the mailbox)."""
        return self.resolved(largest)

    def contains(self, n: int, largest: int) -> bool:
        return any(a <= n <= b for a, b in self.resolved(largest))


def _number(text: str, whole: str) -> int:
    if text == "*":
        return STAR
    if not text.isdigit() or text[0] == "0" or len(text) > 10:
        raise BadSequence(f"invalid sequence set: {whole[:60]}")
    n = int(text)
    if n > MAX_NUMBER:
        raise BadSequence(f"invalid sequence set: {whole[:60]}")
    return n


def parse(text: str) -> SequenceSet:
    """Parse a sequence set; ``BadSequence`` if it is not one."""
    if text == "$":
        return SequenceSet((), saved=True)
    if not text or text.count(",") >= MAX_RANGES:
        raise BadSequence(f"invalid sequence set: {text[:60]}")
    ranges: list[tuple[int, int]] = []
    for item in text.split(","):
        first, colon, last = item.partition(":")
        a = _number(first, text)
        b = _number(last, text) if colon else a
        ranges.append((a, b))
    return SequenceSet(tuple(ranges))


def is_sequence_set(text: str) -> bool:
    try:
        parse(text)
    except BadSequence:
        return False
    return True


def compact(numbers: Iterable[int]) -> str:
    """Numbers as a short set: ``[1, 2, 3, 5]`` → ``"1:3,5"`` ("" when empty). The order is
    kept (only ascending runs are joined), so COPYUID's two lists still pair up."""
    out: list[str] = []
    start = prev = None
    for n in numbers:
        if prev is not None and n == prev + 1:
            prev = n
            continue
        if start is not None:
            out.append(str(start) if start == prev else f"{start}:{prev}")
        start = prev = n
    if start is not None:
        out.append(str(start) if start == prev else f"{start}:{prev}")
    return ",".join(out)
