"""The IMAP command parser: tags, names, atoms, quoted strings, literals, lists, sections."""

from __future__ import annotations

import pytest

from mailcore.protocols.imap import parser
from mailcore.protocols.imap.parser import Atom, ParseError, String, command_head, parse
from mailcore.protocols.imap.responses import Bad, astring, literal, string


def test_simple_command_with_atoms_and_quoted_strings():
    cmd = parse(b'a1 LOGIN alice "pass \\"word\\" \\\\x"\r\n')
    assert (cmd.tag, cmd.name) == ("a1", "LOGIN")
    assert cmd.args.astring() == "alice"
    assert cmd.args.astring() == 'pass "word" \\x'
    cmd.args.end()


def test_uid_commands_join_their_name():
    cmd = parse(b"7 uid fetch 1:* (FLAGS)\r\n")
    assert cmd.name == "UID FETCH"
    assert cmd.args.atom() == "1:*"
    assert cmd.args.list().rest() == [Atom("FLAGS")]


def test_literals_synchronizing_non_synchronizing_and_binary():
    data = b"a APPEND INBOX (\\Seen) {5}\r\nhello {3+}\r\nabc ~{2}\r\n\x00\x01\r\n"
    cmd = parse(data)
    assert cmd.args.astring() == "INBOX"
    assert cmd.args.list().rest() == [Atom("\\Seen")]
    first = cmd.args.string()
    assert (first.value, first.literal, first.binary) == (b"hello", True, False)
    assert cmd.args.string().value == b"abc"
    binary = cmd.args.string()
    assert (binary.value, binary.binary) == (b"\x00\x01", True)
    cmd.args.end()


def test_a_literal_at_the_very_end_keeps_its_bytes():
    cmd = parse(b"a LOGIN bob {4}\r\n\r\n\r\n")
    cmd.args.atom()
    assert cmd.args.string().value == b"\r\n\r\n"


def test_bracketed_sections_stay_one_atom():
    cmd = parse(b"a FETCH 1 (BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100> BODY[])\r\n")
    cmd.args.atom()
    items = cmd.args.list().rest()
    assert items == [Atom("BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>"), Atom("BODY[]")]


def test_nested_lists_nil_and_numbers():
    cmd = parse(b'a X ((1 2) NIL "") 42\r\n')
    outer = cmd.args.list()
    assert outer.list().rest() == [Atom("1"), Atom("2")]
    assert outer.nstring() is None
    assert outer.nstring() == String(b"")
    assert cmd.args.number() == 42


def test_utf8_in_quoted_strings_and_atoms():
    cmd = parse('a CREATE "收件箱" 报告\r\n'.encode())
    assert cmd.args.astring() == "收件箱"
    assert cmd.args.astring() == "报告"


@pytest.mark.parametrize(
    "data",
    [
        b"\r\n",
        b"+tag NOOP\r\n",
        b"a\r\n",
        b'a LOGIN "open\r\n',
        b'a LOGIN "bad \\x escape"\r\n',
        b"a NOOP (\r\n",
        b"a NOOP )\r\n",
        b"a NOOP {5}\r\nabc",
        b"a NOOP {x}\r\n",
        b"a FETCH 1 BODY[HEADER\r\n",
        b"a NOOP \x00\r\n",
        b"a LOGIN \xff\xfe\r\n",
        b"a UID\r\n",
        b"a 123\r\n",
    ],
)
def test_what_cannot_be_parsed_is_a_parse_error(data):
    with pytest.raises(ParseError):
        parse(data)


def test_a_parse_error_keeps_the_tag_when_there_is_one():
    with pytest.raises(ParseError) as error:
        parse(b'x9 LOGIN "open\r\n')
    assert error.value.tag == "x9"
    with pytest.raises(ParseError) as error:
        parse(b"(((\r\n")
    assert error.value.tag == ""


def test_args_name_what_is_missing_or_wrong():
    cmd = parse(b"a STATUS INBOX\r\n")
    cmd.args.astring()
    with pytest.raises(Bad, match="missing status items"):
        cmd.args.list("status items")
    with pytest.raises(Bad, match="must be a number"):
        parse(b"a X 1x\r\n").args.number()
    with pytest.raises(Bad, match="out of range"):
        parse(b"a X 0\r\n").args.number(nonzero=True)
    with pytest.raises(Bad, match="too many"):
        parse(b"a X y\r\n").args.end()


@pytest.mark.parametrize(
    ("line", "spec"),
    [
        (b"a LOGIN {5}\r\n", (5, True, False)),
        (b"a LOGIN {5+}\r\n", (5, False, False)),
        (b"a APPEND x ~{12}\r\n", (12, True, True)),
        (b"a LOGIN {5}\n", (5, True, False)),
        (b"a LOGIN x\r\n", None),
        (b'a LOGIN "{5}"\r\n', None),
    ],
)
def test_literal_announced_at_the_end_of_a_line(line, spec):
    found = parser.literal_at_end(line)
    assert (found and (found.size, found.sync, found.binary)) == spec


def test_command_head_reads_tag_and_name_before_the_literal():
    assert command_head(b"a1 APPEND INBOX {500}\r\n") == ("a1", "APPEND")
    assert command_head(b"a1 UID fetch 1 x\r\n") == ("a1", "UID FETCH")
    assert command_head(b"(((\r\n") == ("", "")


def test_strings_in_responses_quoted_or_literal():
    assert string("plain") == b'"plain"'
    assert string('a "q" \\') == b'"a \\"q\\" \\\\"'
    assert string("line\r\nbreak") == b"{11}\r\nline\r\nbreak"
    assert string("报告") == literal("报告".encode())
    assert string("报告", utf8=True) == '"报告"'.encode()
    assert astring("INBOX") == b"INBOX" and astring("NIL") == b'"NIL"'
