"""A real, small authoritative DNS server for tests: UDP and TCP on 127.0.0.1, a dict zone.

``zone`` maps (name, type) to record texts in zone-file syntax, e.g.
``zone[("example.com", "MX")] = ["10 mx.example.com."]``. A name with no entry at all is
NXDOMAIN; a name with entries of other types gets an empty NOERROR answer. Names in ``drop``
get no reply (the client times out); names in ``servfail`` get SERVFAIL. Answers too big for
the client's UDP size are truncated (TC), and the client retries over TCP.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterable

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

MAX_UDP = 512
POLL = 0.2
TTL = 60


def _key(name: str) -> str:
    return name.strip().rstrip(".").lower()


class DnsServer:
    def __init__(self) -> None:
        self.zone: dict[tuple[str, str], list[str]] = {}
        self.drop: set[str] = set()
        self.servfail: set[str] = set()
        self.queries: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._udp, self._tcp = _bind_pair()
        self.port = self._udp.getsockname()[1]
        self._stopped = threading.Event()
        self._threads = [
            threading.Thread(target=self._serve_udp, daemon=True),
            threading.Thread(target=self._serve_tcp, daemon=True),
        ]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def set(self, name: str, rdtype: str, values: Iterable[str]) -> None:
        """Replace the records of one name and type (an empty list removes them)."""
        with self._lock:
            values = list(values)
            if values:
                self.zone[(_key(name), rdtype.upper())] = values
            else:
                self.zone.pop((_key(name), rdtype.upper()), None)

    def start(self) -> DnsServer:
        for sock in (self._udp, self._tcp):
            sock.settimeout(POLL)  # the loops look at the stop flag this often
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        for thread in self._threads:
            thread.join()
        self._udp.close()
        self._tcp.close()

    def answer(self, wire: bytes) -> tuple[dns.message.Message | None, int]:
        """The response to one query and the largest size the client accepts (None: no reply)."""
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name = _key(question.name.to_text())
        rdtype = dns.rdatatype.to_text(question.rdtype)
        with self._lock:
            self.queries.append((name, rdtype))
            if name in self.drop:
                return None, 0
            response = dns.message.make_response(query)
            response.flags |= dns.flags.AA
            if name in self.servfail:
                response.set_rcode(dns.rcode.SERVFAIL)
            elif not any(n == name for n, _ in self.zone):
                response.set_rcode(dns.rcode.NXDOMAIN)
            else:
                values = self.zone.get((name, rdtype), [])
                if values:
                    response.answer.append(
                        dns.rrset.from_text_list(
                            question.name, TTL, dns.rdataclass.IN, question.rdtype, values
                        )
                    )
        limit = max(query.payload, MAX_UDP) if query.edns >= 0 else MAX_UDP
        return response, limit

    def _serve_udp(self) -> None:
        while not self._stopped.is_set():
            try:
                wire, peer = self._udp.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                response, limit = self.answer(wire)
            except Exception:  # a malformed query gets no answer, as from a real server
                continue
            if response is None:
                continue
            data = response.to_wire()
            if len(data) > limit:
                response.answer.clear()
                response.flags |= dns.flags.TC
                data = response.to_wire()
            try:
                self._udp.sendto(data, peer)
            except OSError:
                return

    def _serve_tcp(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._tcp.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._tcp_client, args=(conn,), daemon=True).start()

    def _tcp_client(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                while True:
                    header = _read(conn, 2)
                    if not header:
                        return
                    response, _ = self.answer(_read(conn, struct.unpack("!H", header)[0]))
                    if response is None:
                        return
                    data = response.to_wire()
                    conn.sendall(struct.pack("!H", len(data)) + data)
            except (OSError, ValueError):
                return


def _bind_pair(attempts: int = 50) -> tuple[socket.socket, socket.socket]:
    """A UDP and a TCP socket on the same free port of 127.0.0.1."""
    for _ in range(attempts):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            tcp.bind(("127.0.0.1", udp.getsockname()[1]))
        except OSError:  # taken for TCP: try another port
            udp.close()
            tcp.close()
            continue
        tcp.listen(16)
        return udp, tcp
    raise OSError("no free port for both UDP and TCP")


def _read(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return b""
        data += chunk
    return data
