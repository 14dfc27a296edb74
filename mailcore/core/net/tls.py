"""TLS for every listener (SMTP, IMAP, POP3): the certificate from settings, or a
self-signed one generated once under the data dir.

All listeners of a process share one context per certificate. ``SIGHUP`` reloads the
certificate files (``reload_certificates``): a new context is built from them and every
new handshake switches to it (the shared context's SNI callback, which OpenSSL calls for
each ClientHello, with or without a server name); open connections keep theirs. A new
certificate that cannot be loaded (unreadable, not PEM, key not matching) is logged and
the one in use is kept. Several nodes share one certificate by pointing
``QIYOU_TLS_CERT``/``QIYOU_TLS_KEY`` at the same files (a shared volume, or each node's
copy), then sending each ``qiyou serve`` a ``SIGHUP`` after replacing them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import logging
import signal
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mailcore.core.config import SettingError, Settings

log = logging.getLogger(__name__)


def ensure_self_signed(directory: Path, hostname: str) -> tuple[Path, Path]:
    """Return (cert, key) paths under ``directory``, generating them on first use."""
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


@dataclass
class Certificate:
    """A certificate's files, the context every listener shares, and the context new
    handshakes use (the latest one loaded)."""

    cert: Path
    key: Path
    shared: ssl.SSLContext
    current: ssl.SSLContext

    def switch(self, connection: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> None:
        if self.current is not self.shared:
            connection.context = self.current

    def reload(self) -> bool:
        """Load the files again; False (logged, the old one kept) if they cannot be used."""
        try:
            self.current = server_context(self.cert, self.key)
        except (OSError, ssl.SSLError) as exc:
            log.error("TLS certificate %s not reloaded, the old one is kept: %s", self.cert, exc)
            return False
        log.info("TLS certificate reloaded from %s", self.cert)
        return True


_certificates: dict[tuple[Path, Path], Certificate] = {}
_sighup_loops: set[int] = set()


def tls_context(settings: Settings) -> ssl.SSLContext:
    """The server context of every TLS listener: ``QIYOU_TLS_CERT``/``QIYOU_TLS_KEY``, or a
    self-signed certificate for ``QIYOU_HOSTNAME``; one per certificate, reloaded on
    ``SIGHUP``."""
    if settings.tls_cert and settings.tls_key:
        cert, key = Path(settings.tls_cert), Path(settings.tls_key)
    else:
        cert, key = ensure_self_signed(settings.data_dir / "tls", settings.hostname)
    found = _certificates.get((cert, key))
    if found is None:
        context = server_context(cert, key)
        found = _certificates[cert, key] = Certificate(cert, key, context, context)
        context.sni_callback = found.switch
    _reload_on_sighup()
    return found.shared


def reload_certificates() -> None:
    """Load every certificate in use again (``SIGHUP``), for new connections."""
    for certificate in _certificates.values():
        certificate.reload()


def _reload_on_sighup() -> None:
    """Install the ``SIGHUP`` handler on the running loop (once per loop; only the main
    thread may)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    if id(loop) in _sighup_loops:
        return
    try:
        loop.add_signal_handler(signal.SIGHUP, reload_certificates)
    except (RuntimeError, ValueError, NotImplementedError):  # not the main thread
        return
    _sighup_loops.add(id(loop))


def check_certificate(settings: Settings) -> None:
    """``SettingError`` unless ``QIYOU_TLS_CERT`` and ``QIYOU_TLS_KEY`` are both unset, or
    readable PEM files of a certificate and its key."""
    if not settings.tls_cert and not settings.tls_key:
        return
    for name, value in (("QIYOU_TLS_CERT", settings.tls_cert), ("QIYOU_TLS_KEY", settings.tls_key)):
        if not value:
            other = "QIYOU_TLS_KEY" if name == "QIYOU_TLS_CERT" else "QIYOU_TLS_CERT"
            raise SettingError(name, value, f"a PEM file, as {other} is set")
        try:
            Path(value).read_bytes()
        except OSError as exc:
            raise SettingError(name, value, f"a readable PEM file ({exc.strerror})") from None
    cert = Path(settings.tls_cert).read_bytes()
    try:
        x509.load_pem_x509_certificate(cert)
    except ValueError:
        raise SettingError("QIYOU_TLS_CERT", settings.tls_cert, "a PEM certificate") from None
    try:
        server_context(Path(settings.tls_cert), Path(settings.tls_key))
    except ssl.SSLError:
        raise SettingError(
            "QIYOU_TLS_KEY", settings.tls_key, "the PEM private key of QIYOU_TLS_CERT"
        ) from None


def plaintext_auth_allowed(settings: Settings, ip: str) -> bool:
    """May a client log in with a password before TLS (``QIYOU_ALLOW_PLAINTEXT_AUTH``)?"""
    mode = settings.allow_plaintext_auth
    if mode in ("on", "1", "true", "yes"):
        return True
    if mode == "loopback":
        try:
            return ipaddress.ip_address(ip.split("%")[0]).is_loopback
        except ValueError:
            return False
    return False
