"""Address helpers: normalising, checking and splitting e-mail addresses, international ones
included (RFC 6531 local parts, IDN domains).

One form is stored and compared everywhere: the local part in NFC and lower case, the
domain as U-labels (UTS 46 mapping and IDNA 2008 checks by ``idna``: NFC, lower case), so
``tom@xn--fiqs8s`` and ``tom@中国`` are the same address. ``ascii_domain`` gives the A-label
form for DNS and for peers without SMTPUTF8. Text that is not valid IDNA is left lowercased
(``is_valid_*`` refuse it; ``domain_problem`` says why).
"""

from __future__ import annotations

import functools
import re
import unicodedata

import idna

LOCAL_MAX = 64  # octets (RFC 5321 4.5.3.1.1)
DOMAIN_MAX = 253  # octets of the A-label form
_ATEXT = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$")
_ASCII_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$|^localhost$"
)
_NOT_A_DOMAIN = "not a valid domain name (letters, digits, hyphens; a dot before the top level)"
# Not in a local part even with SMTPUTF8: controls, format characters, separators,
# surrogates, private use and unassigned code points.
_BAD_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}
# Scripts whose letters pass for one another (UTS 39's classic confusables): a label may
# use one of them, never two. Han, kana and Hangul mix with Latin freely (as browsers allow).
_LOOKALIKE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN")


def normalize_domain(name: str) -> str:
    """The stored form: U-labels, NFC, lower case, no trailing dot."""
    text = name.strip().rstrip(".").lower()
    if text.isascii() and "xn--" not in text:
        return text  # most domains: nothing to map
    try:
        return idna.decode(idna.encode(text, uts46=True))
    except (idna.IDNAError, UnicodeError, ValueError):
        return unicodedata.normalize("NFC", text)


def ascii_domain(name: str) -> str:
    """The A-label form of a domain (``xn--…``), for DNS and SMTP without SMTPUTF8; the
    text as it is when it is not valid IDNA."""
    text = normalize_domain(name)
    if text.isascii():
        return text
    try:
        return idna.encode(text, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return text


def domain_problem(name: str) -> str | None:
    """Why this is not a domain we can host or send to (None: it is one)."""
    if len(name) > 4 * DOMAIN_MAX:  # whatever it is, too long (and not worth caching)
        return f"longer than {DOMAIN_MAX} octets"
    return _domain_problem(name)


@functools.lru_cache(maxsize=4096)
def _domain_problem(name: str) -> str | None:
    text = name.strip().rstrip(".").lower()
    if not text:
        return "the domain is empty"
    if text.isascii() and "xn--" not in text:  # most domains: the pattern says it all
        return None if _ASCII_DOMAIN.match(text) else _NOT_A_DOMAIN
    try:
        labels = idna.encode(text, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        if "label too long" in str(exc).lower():
            return "a label is longer than 63 octets (as A-labels)"
        if "domain too long" in str(exc).lower():
            return f"longer than {DOMAIN_MAX} octets (as A-labels)"
        return f"not a valid internationalized domain name ({exc})"
    except (UnicodeError, ValueError):  # e.g. a label over 63 octets once encoded
        return "a label is longer than 63 octets"
    if len(labels) > DOMAIN_MAX:
        return f"longer than {DOMAIN_MAX} octets"
    if not _ASCII_DOMAIN.match(labels):
        return _NOT_A_DOMAIN
    for label in normalize_domain(text).split("."):
        if mixed := _mixed_scripts(label):
            return f"the label {label!r} mixes look-alike scripts ({mixed})"
    return None


def normalize_local(local: str) -> str:
    """Hosted mailboxes are case-insensitive: NFC, lower case."""
    return local.lower() if local.isascii() else unicodedata.normalize("NFC", local).lower()


def normalize_address(address: str) -> str:
    """The stored form of an address: local part and domain normalised (see above)."""
    text = address.strip().strip("<>")
    if text.isascii() and "xn--" not in text.lower():
        return text.lower()
    local, at, domain = text.rpartition("@")
    return f"{normalize_local(local)}@{normalize_domain(domain)}" if at else normalize_local(text)


def split_address(address: str) -> tuple[str, str]:
    local, _, domain = normalize_address(address).rpartition("@")
    return local, domain


def is_valid_domain(name: str) -> bool:
    return domain_problem(name) is None


def local_problem(local: str) -> str | None:
    """Why this is not a local part we accept (None: it is one). UTF-8 is allowed
    (RFC 6531); the limit is 64 octets."""
    if not local:
        return "the local part is empty"
    if len(local.encode("utf-8")) > LOCAL_MAX:
        return f"the local part is longer than {LOCAL_MAX} octets"
    if local.isascii():
        return None if _ATEXT.match(local) else "the local part has characters not allowed"
    for ch in local:
        if ch.isascii():
            if not _ATEXT.match(ch):
                return f"the local part may not contain {ch!r}"
        elif unicodedata.category(ch) in _BAD_CATEGORIES:
            return f"the local part may not contain U+{ord(ch):04X}"
    return None


def address_problem(address: str) -> str | None:
    """Why this is not a valid address (None: it is one)."""
    local, at, domain = normalize_address(address).rpartition("@")
    if not at:
        return "an address needs an @"
    return local_problem(local) or domain_problem(domain)


def is_valid_address(address: str) -> bool:
    local, domain = split_address(address)
    return local_problem(local) is None and is_valid_domain(domain)


def is_utf8(text: str) -> bool:
    """Came as valid UTF-8 (a server decoding with surrogateescape keeps bad bytes as lone
    surrogates, which can be neither stored nor echoed)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def ascii_form(address: str) -> str | None:
    """The address as a peer without SMTPUTF8 can take it (the domain as A-labels), or None
    when its local part is UTF-8 (RFC 6531 3.2: such mail bounces with 5.6.7)."""
    if address.isascii():
        return address
    local, at, domain = address.rpartition("@")
    if not local.isascii():
        return None
    return f"{local}{at}{ascii_domain(domain)}" if at else address


def _mixed_scripts(label: str) -> str:
    """The look-alike scripts a label mixes, e.g. 'CYRILLIC, LATIN' ('' if none)."""
    if label.isascii():
        return ""
    found = set()
    for ch in label:
        if ch.isalpha():
            script = unicodedata.name(ch, "").split(" ", 1)[0]
            if script in _LOOKALIKE_SCRIPTS:
                found.add(script)
    return ", ".join(sorted(found)) if len(found) > 1 else ""
