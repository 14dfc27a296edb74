"""International addresses: one stored form (NFC, lower case, U-labels), the A-label form
for DNS and peers without SMTPUTF8, and the reason for every refusal."""

from __future__ import annotations

import pytest

from mailcore.org.addresses import (
    address_problem,
    ascii_domain,
    ascii_form,
    domain_problem,
    is_valid_address,
    normalize_address,
    normalize_domain,
)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Example.COM.", "example.com"),
        ("xn--fiqs8s", "中国"),
        ("DEMO.XN--FIQS8S", "demo.中国"),
        ("demo.中国", "demo.中国"),
        ("MÜLLER.de", "müller.de"),
        ("mu\u0308ller.de", "müller.de"),  # NFD input: one stored form
        ("例子.公司", "例子.公司"),
    ],
)
def test_domains_are_stored_as_u_labels(given, stored):
    assert normalize_domain(given) == stored


def test_a_labels_for_dns():
    assert ascii_domain("demo.中国") == "demo.xn--fiqs8s"
    assert ascii_domain("example.com") == "example.com"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("example.com", None),
        ("demo.中国", None),
        ("пример.рф", None),  # all Cyrillic: fine
        ("ドメイン名例.jp", None),
        ("pаypal.com", "mixes look-alike scripts (CYRILLIC, LATIN)"),
        (f"{'例' * 60}.com", "63 octets"),
        ("xn--zz.com", "not a valid internationalized domain name"),
        ("a_b.com", "not a valid domain name"),
        ("a..b", "not a valid domain name"),
        ("", "empty"),
    ],
)
def test_domain_problems(name, reason):
    problem = domain_problem(name)
    assert problem is None if reason is None else reason in (problem or ""), problem


@pytest.mark.parametrize(
    ("address", "stored"),
    [
        ("<Tom@Example.COM>", "tom@example.com"),
        ("汤姆@DEMO.xn--fiqs8s", "汤姆@demo.中国"),
        ("ÄBC@x.com", "äbc@x.com"),
    ],
)
def test_addresses_normalise(address, stored):
    assert normalize_address(address) == stored
    assert is_valid_address(address)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("a b@x.com", "characters not allowed"),
        ("a\u200bb@x.com", "U+200B"),
        ("汤" * 22 + "@x.com", "64 octets"),
        ("tom", "needs an @"),
        ("tom@pаypal.com", "look-alike"),
    ],
)
def test_address_problems(address, reason):
    assert reason in (address_problem(address) or "")
    assert not is_valid_address(address)


def test_ascii_form_for_peers_without_smtputf8():
    assert ascii_form("tom@demo.中国") == "tom@demo.xn--fiqs8s"
    assert ascii_form("tom@example.com") == "tom@example.com"
    assert ascii_form("汤姆@example.com") is None
