"""The login throttle holds for parallel attempts: each attempt is counted before its password
is verified, so a burst cannot slip more guesses past the limit than the limit allows.

Limits are the defaults: 5 failures per account and address, 30 per address. Every test
uses a source address of its own (127.0.13.x) so the shared server's 127.0.0.1 stays clear.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import aiosmtplib

from tests.e2e.mail import client_tls, unique
from tests.e2e.server import PASSWORD
from tests.e2e.test_security import admin_of, login_from, new_member, smtp_login

PER_ACCOUNT = 5
PER_ADDRESS = 30


async def _connected(server, ip: str) -> aiosmtplib.SMTP:
    smtp = aiosmtplib.SMTP(
        hostname="127.0.0.1",
        port=server.submission_port,
        start_tls=True,
        tls_context=client_tls(),
        source_address=(ip, 0),
        timeout=60,
    )
    await smtp.connect()
    await smtp.ehlo()
    return smtp


async def _auth(smtp: aiosmtplib.SMTP, email: str, password: str) -> int:
    """One AUTH PLAIN (``login()`` would try every mechanism in turn)."""
    try:
        return (await smtp.auth_plain(email, password)).code
    except aiosmtplib.SMTPAuthenticationError as refused:
        return refused.code
    finally:
        await smtp.quit()


async def test_parallel_smtp_auth_gets_at_most_the_limit_of_password_checks(server):
    email = await new_member(await admin_of(server), "race-smtp")
    here = "127.0.13.1"
    # All 40 sessions are open and past STARTTLS before the first AUTH is sent.
    sessions = await asyncio.gather(*(_connected(server, here) for _ in range(40)))
    replies = Counter(
        await asyncio.gather(*(_auth(smtp, email, "wrong-password") for smtp in sessions))
    )
    assert set(replies) <= {535, 454}, replies
    assert replies[535] <= PER_ACCOUNT, f"more wrong passwords checked than the limit: {replies}"
    assert replies[454] >= 40 - PER_ACCOUNT, replies

    code, message = await smtp_login(server, email, ip=here)
    assert code == 454 and "try again" in message, "the right password during a lock"


async def test_parallel_graphql_logins_get_at_most_the_limit_of_password_checks(server):
    email = await new_member(await admin_of(server), "race-web")
    here = "127.0.13.2"
    results = await asyncio.gather(
        *(login_from(server, email, "wrong-password", ip=here) for _ in range(20))
    )
    answers = Counter(result["code"] for result in results)
    assert set(answers) <= {"INVALID_CREDENTIALS", "LOCKED"}, answers
    assert answers["INVALID_CREDENTIALS"] <= PER_ACCOUNT, answers
    assert answers["LOCKED"] >= 20 - PER_ACCOUNT, answers
    assert all(r["retryAfter"] > 0 for r in results if r["code"] == "LOCKED"), results

    locked = await login_from(server, email, ip=here)
    assert locked["code"] == "LOCKED", "the right password during a lock"
    elsewhere = await login_from(server, email, ip="127.0.13.3")
    assert elsewhere["__typename"] == "LoginSuccess", "only this account from that address"


async def test_parallel_logins_to_many_accounts_get_at_most_the_address_limit(server):
    here = "127.0.13.4"
    ghosts = [f"{unique('ghost').replace(' ', '-')}@example.com" for _ in range(45)]
    results = await asyncio.gather(
        *(login_from(server, ghost, "wrong-password", ip=here) for ghost in ghosts)
    )
    answers = Counter(result["code"] for result in results)
    assert set(answers) <= {"INVALID_CREDENTIALS", "LOCKED"}, answers
    assert answers["INVALID_CREDENTIALS"] <= PER_ADDRESS, answers
    assert (await login_from(server, "alice@example.com", PASSWORD, ip=here))["code"] == "LOCKED"


async def test_right_passwords_are_not_counted_as_failures(server):
    email = await new_member(await admin_of(server), "race-ok")
    here = "127.0.13.5"
    together = await asyncio.gather(
        *(login_from(server, email, ip=here) for _ in range(PER_ACCOUNT))
    )
    assert [r["__typename"] for r in together] == ["LoginSuccess"] * PER_ACCOUNT, together
    for _ in range(PER_ADDRESS + 1 - PER_ACCOUNT):
        assert (await login_from(server, email, ip=here))["__typename"] == "LoginSuccess"
    for _ in range(PER_ACCOUNT - 1):
        wrong = await login_from(server, email, "wrong-password", ip=here)
        assert wrong["code"] == "INVALID_CREDENTIALS", "successes counted against the address"
    assert (await login_from(server, email, ip=here))["__typename"] == "LoginSuccess"


async def test_more_right_passwords_at_once_than_the_limit_all_get_in(server):
    """A mail client opens several connections at once (Thunderbird up to 5, an office behind
    one address many more): attempts still in progress fill a key but are no lock, so the
    rest wait for them instead of being told to come back in 15 minutes."""
    email = await new_member(await admin_of(server), "race-burst")
    here = "127.0.13.6"
    sessions = await asyncio.gather(*(_connected(server, here) for _ in range(3 * PER_ACCOUNT)))
    codes = await asyncio.gather(*(_auth(smtp, email, PASSWORD) for smtp in sessions))
    assert codes == [235] * (3 * PER_ACCOUNT), Counter(codes)
