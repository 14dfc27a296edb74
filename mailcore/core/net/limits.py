"""Concurrent connection limits of one listener: per peer address and in all.

Without them, 20,600 idle connections to the MX took the process to its descriptor limit:
``/health`` answered nothing and new SMTP clients met an EOF until aiosmtpd's 300 s timeout
closed the idle ones. Every listener (SMTP MX, submission, HTTP; IMAP and POP3 when they
come) now owns one ``ConnectionLimits`` and asks it for each accepted connection:

* ``admit(ip)`` returns a ``Lease``, or a ``Refusal`` (``PER_IP`` or ``TOTAL``) that the
  protocol words in its own language (SMTP ``421 4.7.0``, HTTP ``503``) before it closes.
  Nothing is refused without a word.
* ``lease.close()`` gives the place back when the connection ends; it may be called more
  than once (a protocol handing its socket to another, as a websocket upgrade or STARTTLS
  does, must not count it twice or lose it).

Idle floods must not starve real clients, so a full listener defends itself in two ways:

* **Making room.** A protocol marks a connection ``lease.idle()`` while it only waits for
  the client outside of any transaction (an SMTP client between greeting and MAIL, or
  after a message), ``lease.busy()`` while it is in one. When the listener is full, a new
  connection takes the place of the connection idle the longest, provided it has idled at
  least ``MIN_IDLE`` seconds: that one is told why (``on_evict``, SMTP ``421``) and closed.
  A flood of idle connections then only displaces itself; a client that talks keeps its
  place. Only when nothing is idle is the newcomer refused (``TOTAL``).
* **Stress** (Postfix's word). Above ``STRESS_RATIO`` of the total the listener is
  ``stressed``: protocols shorten the time a connection that has not yet completed a
  transaction may stay silent (SMTP: ``QIYOU_STRESS_TIMEOUT`` instead of the command
  timeout), so what an attacker holds is given back within seconds.

Each listener's total must stay below the process's descriptor limit: ``raise_nofile()``
raises the soft ``RLIMIT_NOFILE`` to the hard one at start and ``fit_totals`` scales the
totals down to what it leaves, keeping ``RESERVED_FDS`` for the database, files and
outbound connections.
"""

from __future__ import annotations

import enum
import logging
import resource
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)

STRESS_RATIO = 0.8  # stressed above this share of the total
MIN_IDLE = 1.0  # seconds a connection must have idled before it is closed to make room
RESERVED_FDS = 1000  # descriptors kept for everything that is not a client connection


class Refusal(enum.Enum):
    PER_IP = "too many connections from this address"
    TOTAL = "too many connections"


class Lease:
    """One admitted connection's place; ``close()`` gives it back."""

    __slots__ = ("_limits", "ip", "idle_since", "on_evict", "closed")

    def __init__(self, limits: ConnectionLimits, ip: str) -> None:
        self._limits = limits
        self.ip = ip
        self.idle_since: float | None = None  # None: busy, not to be closed to make room
        self.on_evict: Callable[[], None] | None = None  # says why and closes the connection
        self.closed = False

    def idle(self) -> None:
        """The connection waits for its client outside of a transaction (from now on)."""
        if not self.closed:
            self._limits._mark_idle(self)

    def busy(self) -> None:
        """The connection is in a transaction: never closed to make room."""
        self._limits._mark_busy(self)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._limits._release(self)


class ConnectionLimits:
    """Counts one listener's open connections per peer address and in all."""

    def __init__(self, name: str, *, per_ip: int, total: int, exempt: Iterable[str] = ()) -> None:
        self.name = name
        self.per_ip = per_ip  # 0: no limit per address
        self.total = total  # 0: no limit in all
        self.exempt = frozenset(exempt)  # addresses without a per-address limit (proxies)
        self.open = 0
        self._per_ip: dict[str, int] = {}
        self._idle_order: OrderedDict[Lease, None] = OrderedDict()  # longest idle first
        self.refused = {Refusal.PER_IP: 0, Refusal.TOTAL: 0}
        self.evicted = 0

    @property
    def stressed(self) -> bool:
        return bool(self.total) and self.open >= self.total * STRESS_RATIO

    def admit(self, ip: str) -> Lease | Refusal:
        count = self._per_ip.get(ip, 0)
        if self.per_ip and count >= self.per_ip and ip not in self.exempt:
            return self._refuse(Refusal.PER_IP, ip)
        if self.total and self.open >= self.total and not self._make_room():
            return self._refuse(Refusal.TOTAL, ip)
        self._per_ip[ip] = count + 1
        self.open += 1
        return Lease(self, ip)

    def _refuse(self, refusal: Refusal, ip: str) -> Refusal:
        if not any(self.refused.values()) or self.refused[refusal] % 1000 == 0:
            log.warning("%s: refused %s: %s", self.name, ip, refusal.value)
        self.refused[refusal] += 1
        return refusal

    def _make_room(self) -> bool:
        """Close the connection idle the longest, if it has idled long enough."""
        if not self._idle_order:
            return False
        oldest = next(iter(self._idle_order))
        assert oldest.idle_since is not None
        if time.monotonic() - oldest.idle_since < MIN_IDLE:
            return False
        oldest.close()
        self.evicted += 1
        if oldest.on_evict is not None:
            oldest.on_evict()
        return True

    def _mark_idle(self, lease: Lease) -> None:
        lease.idle_since = time.monotonic()
        self._idle_order[lease] = None
        self._idle_order.move_to_end(lease)

    def _mark_busy(self, lease: Lease) -> None:
        lease.idle_since = None
        self._idle_order.pop(lease, None)

    def _release(self, lease: Lease) -> None:
        self._mark_busy(lease)
        self.open -= 1
        left = self._per_ip[lease.ip] - 1
        if left:
            self._per_ip[lease.ip] = left
        else:
            del self._per_ip[lease.ip]


def peer_ip(transport) -> str:
    """The peer's address of a transport ("" when it has none, as a Unix socket)."""
    peer = transport.get_extra_info("peername")
    return peer[0] if isinstance(peer, tuple) and peer else ""


def raise_nofile() -> int:
    """Raise the soft descriptor limit to the hard one; returns the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            log.warning("could not raise the descriptor limit from %s: %s", soft, exc)
    return soft


def fit_totals(totals: dict[str, int], nofile: int) -> dict[str, int]:
    """The listeners' totals, scaled down together when their sum would not leave
    ``RESERVED_FDS`` of the ``nofile`` descriptors free (0, no limit, counts as the budget)."""
    budget = max(nofile - RESERVED_FDS, len(totals))
    wanted = {name: total or budget for name, total in totals.items()}
    if sum(wanted.values()) <= budget:
        return wanted
    scale = budget / sum(wanted.values())
    fitted = {name: max(1, int(total * scale)) for name, total in wanted.items()}
    log.warning("connection limits %s lowered to %s to fit %s descriptors", wanted, fitted, nofile)
    return fitted
