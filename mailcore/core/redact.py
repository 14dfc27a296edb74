"""Secrets masked out of text that is logged or shown: URLs of backends (start-up banner,
errors) and query strings (access log).

``mask_url("postgres://qiyou:pw@db/qiyou")`` → ``postgres://qiyou:***@db/qiyou``;
``mask_url("s3://mail?endpoint=http://s3&secret_key=x")`` → ``...&secret_key=***``.
A value is secret when it is a URL's password or a query parameter whose name says so
(``SECRET_WORDS``: key, secret, password, token, ticket, credential, signature ...; and
``code``, ``js_code``: one-time login codes). ``mask_text`` does the same for every
``?name=value`` / ``&name=value`` in free text: log lines, the access log, tracebacks.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit

MASK = "***"
# A query parameter whose name contains one of these holds a secret (``key``, ``api_key``,
# ``secret_key``, ``aws_secret_access_key``, ``X-Amz-Signature``, ``access_token`` ...).
SECRET_WORDS = (
    "key",
    "secret",
    "password",
    "passwd",
    "pwd",
    "token",
    "ticket",
    "credential",
    "signature",
)
# A query parameter of this name, or ending in ``_`` and this name, holds a one-time code.
SECRET_SUFFIXES = ("code",)
# URLs whose user name is a credential too (``s3://ACCESS_KEY_ID:SECRET@bucket``).
KEY_ID_SCHEMES = ("s3",)
# ``?name=value`` or ``&name=value`` in text; the value ends at a separator, space or quote.
_PARAMETER = re.compile(r"(?<=[?&])([^\s=&?#\"'<>]+)=([^\s&?#\"'<>\\]*)")


def is_secret_name(name: str) -> bool:
    """Does a parameter (or variable) of this name hold a secret?"""
    lowered = name.lower()
    if any(lowered == word or lowered.endswith("_" + word) for word in SECRET_SUFFIXES):
        return True
    return any(word in lowered for word in SECRET_WORDS)


def mask_text(text: str) -> str:
    """``text`` with the value of every secret ``?name=`` / ``&name=`` replaced by ``***``
    (names compared case-insensitively, also when percent-encoded: ``%74oken``)."""
    if "=" not in text:
        return text

    def masked(match: re.Match[str]) -> str:
        name, value = match.group(1), match.group(2)
        return f"{name}={MASK}" if value and is_secret_name(unquote_plus(name)) else match[0]

    return _PARAMETER.sub(masked, text)


def mask_query(query: str) -> str:
    """A query string with the values of its secret parameters replaced by ``***``."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(is_secret_name(name) for name, _ in pairs):
        return query
    masked = [(name, MASK if is_secret_name(name) else value) for name, value in pairs]
    return urlencode(masked, safe="*:/,@")


def mask_url(url: str) -> str:
    """``url`` with its password, secret query values and (``s3://``) access key id
    replaced by ``***`` (text that is not a URL is returned as it is)."""
    if "://" not in url:
        return url
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # not parseable (a bad port ...): show the scheme only
        return url.split("://", 1)[0] + "://" + MASK
    netloc, query = parts.netloc, mask_query(parts.query)
    secret_user = bool(parts.username) and parts.scheme.lower() in KEY_ID_SCHEMES
    if password is None and not secret_user and query == parts.query:
        return url
    if password is not None or secret_user:
        userinfo, _, host = netloc.rpartition("@")
        user = MASK if secret_user else userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{host}" if password is not None else f"{user}@{host}"
    text = f"{parts.scheme}://{netloc}{parts.path}"
    return text + (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")
