"""Logins of one IMAP listener, let through in an order the login throttle can count.

``security.throttle`` counts an attempt *before* its password is checked (so parallel
guesses cannot slip past the limit) and takes the count back when the password was right.
Mail clients open several connections at once and log each in (Thunderbird up to 5, a
benchmark or an office behind one NAT address many more): counted together they would pass
the per-account limit (5) or the per-address one (30) and be refused although every
password was right. The gate lets one login per account and address, and ``PER_IP`` per
address, run at a time in this process; the others wait their turn (a login takes
milliseconds). Brute force gains nothing: every attempt is still counted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

PER_IP = 8  # logins from one address checked at once (the throttle allows 30 in flight)


class LoginGate:
    def __init__(self, per_ip: int = PER_IP) -> None:
        self.per_ip = per_ip
        self._accounts: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}
        self._addresses: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @asynccontextmanager
    async def turn(self, login: str, ip: str) -> AsyncIterator[None]:
        """Wait for this login's turn (per account and address, and per address)."""
        account = (login.strip().lower(), ip)
        lock, users = self._accounts.get(account) or (asyncio.Lock(), 0)
        self._accounts[account] = (lock, users + 1)
        semaphore, waiting = self._addresses.get(ip) or (asyncio.Semaphore(self.per_ip), 0)
        self._addresses[ip] = (semaphore, waiting + 1)
        try:
            async with lock, semaphore:
                yield
        finally:
            lock, users = self._accounts[account]
            if users == 1:
                del self._accounts[account]
            else:
                self._accounts[account] = (lock, users - 1)
            semaphore, waiting = self._addresses[ip]
            if waiting == 1:
                del self._addresses[ip]
            else:
                self._addresses[ip] = (semaphore, waiting - 1)
