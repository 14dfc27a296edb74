"""Sequence sets: parsing, resolving ``*`` and ranges, compact output."""

from __future__ import annotations

import pytest

from mailcore.protocols.imap.sequence import BadSequence, compact, parse


def test_message_numbers_with_star_and_reversed_ranges() -> None:
    assert parse("1:3,5,*").message_numbers(7) == [1, 2, 3, 5, 7]
    assert parse("4:2").message_numbers(5) == [2, 3, 4]
    assert parse("3:*").message_numbers(5) == [3, 4, 5]
    assert parse("1:*").message_numbers(0) == []


def test_a_number_above_the_count_is_an_error() -> None:
    with pytest.raises(BadSequence):
        parse("9").message_numbers(5)


@pytest.mark.parametrize(
    "text", ["", "0", "1:", ":3", "a", "1,,2", "01", "4294967296", "1:2:3", " 1"]
)
def test_not_a_sequence_set(text: str) -> None:
    with pytest.raises(BadSequence):
        parse(text)


def test_uids_pick_only_existing_and_star_is_the_largest() -> None:
    uids = [3, 5, 9, 12]
    assert parse("1:*").pick(uids) == uids
    assert parse("4:10").pick(uids) == [5, 9]
    assert parse("100:*").pick(uids) == [12]  # n:* with n above the largest names the largest
    assert parse("13").pick(uids) == []
    assert parse("1:4294967295").pick([]) == []


def test_wide_ranges_are_cheap() -> None:
    assert parse("1:4294967295").message_numbers(3) == [1, 2, 3]
    assert parse("1:4294967295").uid_ranges(10) == [(1, 4294967295)]


def test_compact() -> None:
    assert compact([1, 2, 3, 5, 7, 8]) == "1:3,5,7:8"
    assert compact([]) == ""
    assert compact([9, 4, 5]) == "9,4:5"  # order kept for COPYUID pairs


def test_saved_result() -> None:
    assert parse("$").saved
