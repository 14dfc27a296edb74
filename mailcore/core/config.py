"""Settings read from environment variables (and CLI flags), with embedded defaults."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MB = 1024 * 1024


def parse_size(text: str) -> int:
    """Parse a human size such as ``500M``, ``2G``, ``1024`` (bytes) into bytes."""
    value = text.strip().upper().removesuffix("B")
    units = {"K": 1024, "M": MB, "G": 1024 * MB, "T": 1024 * 1024 * MB}
    if value and value[-1] in units:
        return int(float(value[:-1]) * units[value[-1]])
    return int(value)


class SettingError(ValueError):
    """A setting that cannot be used: its variable (or CLI flag), the value, what it takes."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(f"{name}={value!r}: expected {expected}")
        self.name, self.value, self.expected = name, value, expected

    def renamed(self, name: str) -> SettingError:
        """The same error told about another name (the CLI flag that gave the value)."""
        return SettingError(name, self.value, self.expected)


# URL schemes each backend setting takes: scheme → does the URL need a host.
DATABASE_SCHEMES = {"sqlite": False, "postgres": True, "postgresql": True}
BROADCAST_SCHEMES = {
    "memory": False,
    "redis": True,
    "rediss": True,
    "postgres": True,
    "postgresql": True,
}
SEARCH_SCHEMES = {"tantivy": False, "meili+http": True, "meili+https": True}
BLOB_SCHEMES = {"file": False, "s3": True}  # s3://bucket?endpoint=...
RELAY_SCHEMES = {"smtp": True, "smtp+starttls": True, "smtps": True}
SPAM_SCHEMES = {"rspamd+http": True, "rspamd+https": True, "spamd": False}
WEB_SCHEMES = {"http": True, "https": True}
PLAINTEXT_AUTH = {"off": "off", "loopback": "loopback", "on": "on"}
PLAINTEXT_AUTH |= {"no": "off", "false": "off", "0": "off", "yes": "on", "true": "on", "1": "on"}
ENVIRONMENTS = {"development": "development", "production": "production"}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _schemes(schemes: dict[str, bool]) -> str:
    names = [f"{scheme}://" for scheme in schemes]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


class EnvReader:
    """Typed reads of environment variables for ``Settings.from_env``: an unset (or, but for
    ``text``, empty) variable is its default; a value that cannot be used is a
    ``SettingError`` naming the variable, the value and what it takes."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def _given(self, name: str) -> str | None:
        value = self.env.get(name)
        return value.strip() if value is not None and value.strip() else None

    def text(self, name: str, default: str) -> str:
        return self.env.get(name, default)

    def integer(self, name: str, default: int, low: int = 0, high: int | None = None) -> int:
        given = self._given(name)
        if given is None:
            return default
        expected = f"a whole number {low}-{high}" if high is not None else f"a whole number ≥ {low}"
        try:
            value = int(given)
        except ValueError:
            raise SettingError(name, given, expected) from None
        if value < low or (high is not None and value > high):
            raise SettingError(name, given, expected)
        return value

    def port(self, name: str, default: int) -> int:
        try:
            return self.integer(name, default, 0, 65535)
        except SettingError as exc:
            raise SettingError(name, exc.value, "a port number 0-65535") from None

    def optional_port(self, name: str) -> int | None:
        """A port, or None when unset or empty."""
        return None if self._given(name) is None else self.port(name, 0)

    def number(self, name: str, default: float, low: float = 0.0) -> float:
        given = self._given(name)
        if given is None:
            return default
        expected = f"a number ≥ {low:g}"
        try:
            value = float(given)
        except ValueError:
            raise SettingError(name, given, expected) from None
        if not low <= value < float("inf"):  # also refuses nan
            raise SettingError(name, given, expected)
        return value

    def numbers(self, name: str, default: tuple[float, ...]) -> tuple[float, ...]:
        """A comma-separated list of numbers ≥ 0, at least one."""
        given = self._given(name)
        if given is None:
            return default
        expected = "comma-separated numbers ≥ 0, such as 60,300,900"
        try:
            values = tuple(float(part) for part in given.split(","))
        except ValueError:
            raise SettingError(name, given, expected) from None
        if not all(0 <= value < float("inf") for value in values):
            raise SettingError(name, given, expected)
        return values

    def words(self, name: str) -> tuple[str, ...]:
        """A comma-separated list (blank items dropped); unset: empty."""
        return tuple(part.strip() for part in self.env.get(name, "").split(",") if part.strip())

    def networks(self, name: str) -> tuple[str, ...]:
        """Comma-separated IP addresses or CIDR networks; unset: empty."""
        values = self.words(name)
        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise SettingError(name, value, "IP addresses or CIDR networks") from None
        return values

    def size(self, name: str, default: int) -> int:
        given = self._given(name)
        if given is None:
            return default
        expected = "a size such as 50M, 2G or 1048576 (bytes)"
        try:
            value = parse_size(given)
        except ValueError:
            raise SettingError(name, given, expected) from None
        if value < 0:
            raise SettingError(name, given, expected)
        return value

    def flag(self, name: str, default: bool) -> bool:
        given = self._given(name)
        if given is None:
            return default
        if given.lower() in _TRUE + _FALSE:
            return given.lower() in _TRUE
        raise SettingError(name, given, "1, true, yes, on, or 0, false, no, off")

    def choice(self, name: str, default: str, choices: dict[str, str]) -> str:
        """One of ``choices`` (spelling → value), case-insensitive."""
        given = self._given(name)
        if given is None:
            return default
        value = choices.get(given.lower())
        if value is None:
            shown = ", ".join(dict.fromkeys(choices.values()))
            raise SettingError(name, given, f"one of {shown}")
        return value

    def zone(self, name: str, default: str) -> str:
        """An IANA time zone name (``Asia/Shanghai``) the system's zone data knows."""
        value = self.env.get(name, "").strip() or default
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingError(name, value, "an IANA time zone such as Asia/Shanghai") from None
        return value

    def url(
        self, name: str, default: str, schemes: dict[str, bool], words: tuple[str, ...] = ()
    ) -> str:
        """A URL with one of ``schemes`` (a host where the scheme needs one), or one of
        ``words``; unset or empty: the default (empty: none)."""
        value = self.env.get(name, "").strip() or default
        if value in words or not value:
            return value
        shown = f"a URL starting {_schemes(schemes)}"
        check_url(name, value, schemes, f"{', '.join(words)} or {shown}" if words else shown)
        return value


def check_data_dir(settings: Settings) -> None:
    """``SettingError`` unless the data directory exists (it is created) and is writable."""
    path = settings.data_dir
    expected = "a directory this user can create and write"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingError("QIYOU_DATA_DIR", str(path), f"{expected} ({exc.strerror})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise SettingError("QIYOU_DATA_DIR", str(path), f"{expected} (not writable)")


def check_url(name: str, value: str, schemes: dict[str, bool], expected: str) -> None:
    """Raise ``SettingError`` unless ``value`` is a URL of one of ``schemes`` with a host
    (if its scheme needs one) and a numeric port, or (``sqlite://``, ``file://``) a path."""
    from urllib.parse import urlsplit

    from mailcore.core.redact import mask_url

    shown = mask_url(value)  # the message may be logged: no password in it
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    if scheme not in schemes:
        raise SettingError(name, shown, expected)
    if scheme in ("sqlite", "file"):  # a path (sqlite://:memory: too), no host or port
        if not value.split("://", 1)[1]:
            raise SettingError(name, shown, f"{expected} (with a path)")
        return
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise SettingError(name, shown, f"{expected} (with a numeric port)") from None
    if schemes[scheme] and not parts.hostname:
        raise SettingError(name, shown, f"{expected} (with a host)")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("./var")
    host: str = "127.0.0.1"
    http_port: int = 8025
    smtp_port: int = 2525
    # The MX in this many processes of its own that hand their mail to this process's
    # ingest (docs/operations.md, "MX processes"); 0: the MX runs in this process.
    mx_processes: int = 0
    ingest_socket: str = ""  # set by the parent in an MX process: where its ingest is
    mx_reuse_port: bool = False  # the MX port with SO_REUSEPORT (shared by MX processes)
    submission_port: int = 5587
    # Mail-client listeners (docs/imap.md, docs/pop3.md); 0 turns one off.
    submissions_port: int = 4465  # SMTP submission over implicit TLS (465-style)
    imap_port: int = 1143  # IMAP with STARTTLS (143-style)
    imaps_port: int = 1993  # IMAP over implicit TLS (993-style)
    pop3_port: int = 1110  # POP3 with STLS (110-style)
    pop3s_port: int = 1995  # POP3 over implicit TLS (995-style)
    # Password logins before TLS on IMAP/POP3/SMTP submission: "off", "loopback" (clients on
    # 127.0.0.0/8 and ::1 only) or "on".
    allow_plaintext_auth: str = "off"
    # What mail-client set-up (autoconfig, autodiscover, .mobileconfig, SRV records) tells
    # clients when a load balancer or port redirect differs from the listeners
    # (docs/clients.md): empty host = hostname; a port None = the listener's, 0 = not told.
    public_mail_host: str = ""
    public_imap_port: int | None = None
    public_imaps_port: int | None = None
    public_pop3_port: int | None = None
    public_pop3s_port: int | None = None
    public_submission_port: int | None = None
    public_submissions_port: int | None = None
    database_url: str = ""
    broadcast_url: str = "memory://"
    channel_prefix: str = "qiyou"  # pub/sub channel names start with this (share one Redis)
    hostname: str = "localhost"
    max_message_size: int = 50 * MB
    default_quota: int = 2 * 1024 * MB
    tls_cert: str = ""
    tls_key: str = ""
    production: bool = False
    session_days: int = 30
    restore_days: int = 30  # deleted members can be restored for this many days
    allowed_origins: tuple[str, ...] = ()
    public_url: str = ""  # base URL of the web app for links (SSO); default: the request's
    api_token_ttl: int = 7200  # open API access tokens, seconds
    download_ticket_ttl: int = 300  # signed download links (?ticket=) live this long, seconds
    secret_key: str = ""  # signs download tickets; empty: a random key kept in the database
    log_format: str = "text"  # text or json (one JSON object per line, with a request id)
    api_rate_per_ip: int = 1200  # open API requests per minute per client IP
    api_rate_per_enterprise: int = 6000  # open API requests per minute per enterprise
    webhook_backoff: tuple[float, ...] = (10, 30, 120, 600, 1800, 7200)  # seconds between tries
    webhook_max_attempts: int = 7
    webhook_timeout: float = 10.0
    webhook_poll: float = 5.0  # seconds between scans of the webhook queue
    dns_servers: tuple[str, ...] = ()  # "ip[:port]" each; empty: the system resolver
    dns_timeout: float = 5.0  # seconds for one DNS lookup (all tries)
    dns_cache_seconds: float = 60.0  # inbound checks keep DNS answers this long (0: off)
    wechat_api_url: str = "https://api.weixin.qq.com"  # WeChat code-to-session API base URL
    wechat_appid: str = ""  # the mini-program's AppID
    wechat_secret: str = ""  # the mini-program's AppSecret
    wechat_mail_template: str = ""  # subscribe-message template id for new mail (empty: off)
    wechat_mail_fields: str = "thing1=from,thing2=subject,time3=date"  # template keys
    # The zone members read times in where a time is written out for them (WeChat
    # reminders, the mini-program's dates); members have no zone of their own.
    time_zone: str = "Asia/Shanghai"
    trusted_proxies: tuple[str, ...] = ()  # peers whose X-Forwarded-For is believed
    proxy_protocol_from: tuple[str, ...] = ()  # SMTP peers that must send a PROXY header
    login_max_failures: int = 5  # failed logins per account and IP before a lockout
    login_ip_max_failures: int = 30  # failed logins per IP (any account) before a lockout
    login_window_minutes: int = 15  # failures are counted within this window
    login_lock_minutes: int = 15  # how long a lockout lasts
    translate_threads: int = 1  # CTranslate2 intra-op threads of the translation worker
    translate_wait: float = 3.0  # seconds a translateMessage request waits before "pending"
    translate_max_chars: int = 50000  # longer mail text is refused (TOO_LONG)
    # Outbound delivery and inbound mail checks (docs/delivery.md, docs/mailauth.md)
    outbound_port: int = 25  # port of remote MX hosts
    relay_url: str = ""  # smtp://, smtp+starttls://user:pass@host:587 or smtps://...: smarthost
    outbound_lifetime: float = 5 * 86400.0  # seconds before a deferred mail bounces
    outbound_delay_warning: float = 4 * 3600.0  # seconds before a delay DSN (0: never)
    outbound_backoff: tuple[float, ...] = (60, 300, 900, 1800, 3600)  # seconds, last repeats
    outbound_concurrency: int = 5  # simultaneous connections per destination domain
    outbound_workers: int = 50  # simultaneous deliveries in all
    outbound_poll: float = 2.0  # seconds between scans of the queue
    outbound_lease: float = 600.0  # seconds a delivery attempt may take before it is retried
    outbound_timeout: float = 60.0  # seconds for one SMTP command
    spam_url: str = "builtin"  # builtin, off, rspamd+http://host:11333, spamd://host:783
    sms_provider: str = "tencent"  # SMS provider (Tencent Cloud SendSms is built in)
    sms_url: str = "https://sms.tencentcloudapi.com"  # the provider's API endpoint
    sms_secret_id: str = ""  # Tencent Cloud SecretId
    sms_secret_key: str = ""  # Tencent Cloud SecretKey
    sms_region: str = "ap-guangzhou"
    sms_app_id: str = ""  # SmsSdkAppId
    sms_sign_name: str = ""  # the approved SMS signature (签名)
    sms_template_id: str = ""  # approved template with two parameters: {1} code, {2} minutes
    wechat_code_template: str = ""  # subscribe-message template for confidential-mail codes
    wechat_code_fields: str = "character_string1=code,thing2=subject,time3=expires"
    # Calendar reminders by WeChat subscribe message and by SMS (docs/calendar.md)
    wechat_calendar_template: str = ""  # subscribe-message template id (empty: WECHAT off)
    wechat_calendar_fields: str = "thing1=summary,time2=start,thing3=location"  # template keys
    sms_reminder_template: str = ""  # approved SMS template: {1} title, {2} start (empty: off)
    confidential_code_minutes: int = 10  # one-time codes of confidential mail live this long
    confidential_view_minutes: int = 30  # a verified confidential mail stays open this long
    mass_mail_sync_limit: int = 20  # separate-copies sends above this run in the background
    search_url: str = "tantivy://"  # tantivy:// (embedded) or meili+http://host:7700?key=...
    search_paused: bool = False  # the search indexer does not run (bulk imports, tests)
    # Blobs (docs/blobs.md): file:///path or s3://bucket?endpoint=...; empty = data dir's blobs/
    blob_url: str = ""
    blob_gc_interval: float = 3600.0  # seconds between the worker's garbage collections; 0 off
    blob_gc_grace: float = 86400.0  # unreferenced blobs younger than this are kept, seconds
    blob_trash_grace: float = 7 * 86400.0  # trash entries are deleted after this, seconds
    # Netdisk and tus uploads (docs/netdisk.md): the largest upload, the size of the blob
    # parts an upload is stored in, seconds an upload without progress is kept, how often the
    # worker cleans up abandoned ones, and a personal space's quota when it is made.
    upload_max_size: int = 2 * 1024 * MB
    upload_part_size: int = 8 * MB
    upload_expiry: float = 86400.0
    upload_clean_interval: float = 3600.0
    netdisk_quota: int = 10 * 1024 * MB
    # Seconds an outbox worker holds the jobs it claimed; a crashed worker's jobs wait this
    # long before another takes them (mailcore/store/outbox.py).
    outbox_lease: float = 30.0
    # External mailboxes (docs/external-accounts.md): seconds between fetches of an account,
    # a failing account's longest wait, and the network timeout of one step with its server.
    fetch_interval: float = 600.0
    fetch_backoff_max: float = 3600.0
    fetch_timeout: float = 60.0
    fetch_lease: float = 120.0  # a worker killed mid-fetch holds its account this long
    fetch_private_hosts: bool = False  # may members fetch from loopback/private addresses
    # Mail migration (docs/migration.md): members' mailboxes one process moves at once (the
    # old server's timeout, lease and private-host rule are the fetch_* settings above).
    migration_parallel: int = 4
    # Mail HTML shown to users (mailcore/core/mime/display.py)
    html_budget: float = 3.0  # seconds to sanitize one HTML body before the text is shown
    html_max_size: int = 4 * MB  # characters of HTML above which the text is shown
    html_cache_size: int = 32 * MB  # sanitized HTML kept in memory per process
    html_workers: int = 2  # child processes sanitizing large HTML
    # Connection limits and timeouts of the listeners (mailcore/core/net/limits.py); 0: no limit
    smtp_max_connections: int = 5000  # MX connections in all
    smtp_max_connections_per_ip: int = 50  # MX connections from one address
    submission_max_connections: int = 2000
    submission_max_connections_per_ip: int = 100
    http_max_connections: int = 10000  # HTTP and websocket connections in all
    http_max_connections_per_ip: int = 500  # not for QIYOU_TRUSTED_PROXIES (their clients')
    smtp_command_timeout: float = 300.0  # seconds an SMTP client may take to send a command
    smtp_data_timeout: float = 300.0  # seconds without a byte during DATA
    stress_timeout: float = 10.0  # command timeout before a first mail, above 80 % of a limit
    http_header_timeout: float = 10.0  # seconds to send a whole request head
    http_keepalive_timeout: float = 5.0  # seconds an idle keep-alive connection stays open
    imap_max_connections: int = 10000  # IMAP connections in all (each IDLE client holds one)
    imap_max_connections_per_ip: int = 100  # IMAP connections from one address
    imap_auth_timeout: float = 60.0  # seconds a client may stay silent before logging in
    imap_idle_timeout: float = 1800.0  # after login, and in IDLE (RFC 9051 §5.4: 30 min)
    imap_write_timeout: float = 60.0  # seconds a client may leave our output unread
    # IMAP/POP3 sessions check this often that their login still holds (member enabled,
    # protocol on, password unchanged, app password not revoked); 0: before every command
    client_login_check: float = 30.0
    # Health and metrics (docs/monitoring.md): a listener of its own on this port (None: off);
    # /metrics and /health/ready answer loopback, QIYOU_TRUSTED_PROXIES, these CIDRs, or the
    # bearer token.
    metrics_port: int | None = None
    metrics_allow: tuple[str, ...] = ()
    metrics_token: str = ""
    # The built web app served at / (docs/web.md); empty: web/dist of this checkout
    web_dist: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite://{self.data_dir / 'qiyou.sqlite3'}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def blob_location(self) -> str:
        """What ``open_blob_store`` opens: QIYOU_BLOB_URL, else the data dir's ``blobs/``."""
        return self.blob_url or str(self.blob_dir)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        get = env.get
        read = EnvReader(env)
        return cls(
            data_dir=Path(get("QIYOU_DATA_DIR", "./var")),
            host=get("QIYOU_HOST", "127.0.0.1"),
            http_port=read.port("QIYOU_HTTP_PORT", 8025),
            smtp_port=read.port("QIYOU_SMTP_PORT", 2525),
            mx_processes=read.integer("QIYOU_MX_PROCESSES", 0, high=64),
            ingest_socket=get("QIYOU_INGEST_SOCKET", ""),
            mx_reuse_port=read.flag("QIYOU_MX_REUSE_PORT", False),
            submission_port=read.port("QIYOU_SUBMISSION_PORT", 5587),
            submissions_port=read.port("QIYOU_SUBMISSIONS_PORT", 4465),
            imap_port=read.port("QIYOU_IMAP_PORT", 1143),
            imaps_port=read.port("QIYOU_IMAPS_PORT", 1993),
            pop3_port=read.port("QIYOU_POP3_PORT", 1110),
            pop3s_port=read.port("QIYOU_POP3S_PORT", 1995),
            allow_plaintext_auth=read.choice("QIYOU_ALLOW_PLAINTEXT_AUTH", "off", PLAINTEXT_AUTH),
            public_mail_host=get("QIYOU_PUBLIC_MAIL_HOST", "").strip().rstrip(".").lower(),
            public_imap_port=read.optional_port("QIYOU_PUBLIC_IMAP_PORT"),
            public_imaps_port=read.optional_port("QIYOU_PUBLIC_IMAPS_PORT"),
            public_pop3_port=read.optional_port("QIYOU_PUBLIC_POP3_PORT"),
            public_pop3s_port=read.optional_port("QIYOU_PUBLIC_POP3S_PORT"),
            public_submission_port=read.optional_port("QIYOU_PUBLIC_SUBMISSION_PORT"),
            public_submissions_port=read.optional_port("QIYOU_PUBLIC_SUBMISSIONS_PORT"),
            database_url=read.url("DATABASE_URL", "", DATABASE_SCHEMES),
            broadcast_url=read.url("BROADCAST_URL", "memory://", BROADCAST_SCHEMES),
            channel_prefix=get("QIYOU_CHANNEL_PREFIX", "qiyou"),
            hostname=get("QIYOU_HOSTNAME", "localhost"),
            max_message_size=read.size("QIYOU_MAX_MESSAGE_SIZE", 50 * MB),
            default_quota=read.size("QIYOU_DEFAULT_QUOTA", 2 * 1024 * MB),
            tls_cert=get("QIYOU_TLS_CERT", ""),
            tls_key=get("QIYOU_TLS_KEY", ""),
            production=read.choice("QIYOU_ENV", "development", ENVIRONMENTS) == "production",
            session_days=read.integer("QIYOU_SESSION_DAYS", 30, low=1),
            wechat_api_url=read.url(
                "QIYOU_WECHAT_API_URL", "https://api.weixin.qq.com", WEB_SCHEMES
            ).rstrip("/"),
            wechat_appid=get("QIYOU_WECHAT_APPID", ""),
            wechat_secret=get("QIYOU_WECHAT_SECRET", ""),
            wechat_mail_template=get("QIYOU_WECHAT_MAIL_TEMPLATE", ""),
            wechat_mail_fields=get(
                "QIYOU_WECHAT_MAIL_FIELDS", "thing1=from,thing2=subject,time3=date"
            ),
            trusted_proxies=read.words("QIYOU_TRUSTED_PROXIES"),
            proxy_protocol_from=read.networks("QIYOU_PROXY_PROTOCOL_FROM"),
            login_max_failures=read.integer("QIYOU_LOGIN_MAX_FAILURES", 5, low=1),
            login_ip_max_failures=read.integer("QIYOU_LOGIN_IP_MAX_FAILURES", 30, low=1),
            login_window_minutes=read.integer("QIYOU_LOGIN_WINDOW_MINUTES", 15, low=1),
            login_lock_minutes=read.integer("QIYOU_LOGIN_LOCK_MINUTES", 15),
            translate_threads=read.integer("QIYOU_TRANSLATE_THREADS", 1, low=1),
            translate_wait=read.number("QIYOU_TRANSLATE_WAIT", 3.0),
            translate_max_chars=read.integer("QIYOU_TRANSLATE_MAX_CHARS", 50000, low=1),
            restore_days=read.integer("QIYOU_RESTORE_DAYS", 30),
            allowed_origins=read.words("QIYOU_ALLOWED_ORIGINS"),
            dns_servers=read.words("QIYOU_DNS_SERVERS"),
            dns_timeout=read.number("QIYOU_DNS_TIMEOUT", 5.0),
            dns_cache_seconds=read.number("QIYOU_DNS_CACHE_SECONDS", 60.0),
            public_url=read.url("QIYOU_PUBLIC_URL", "", WEB_SCHEMES).rstrip("/"),
            api_token_ttl=read.integer("QIYOU_API_TOKEN_TTL", 7200, low=1),
            download_ticket_ttl=read.integer("QIYOU_DOWNLOAD_TICKET_TTL", 300, low=10),
            secret_key=get("QIYOU_SECRET_KEY", ""),
            log_format=read.choice("QIYOU_LOG_FORMAT", "text", {"text": "text", "json": "json"}),
            api_rate_per_ip=read.integer("QIYOU_API_RATE_PER_IP", 1200),
            api_rate_per_enterprise=read.integer("QIYOU_API_RATE_PER_ENTERPRISE", 6000),
            webhook_backoff=read.numbers("QIYOU_WEBHOOK_BACKOFF", (10, 30, 120, 600, 1800, 7200)),
            webhook_max_attempts=read.integer("QIYOU_WEBHOOK_MAX_ATTEMPTS", 7, low=1),
            webhook_timeout=read.number("QIYOU_WEBHOOK_TIMEOUT", 10.0),
            webhook_poll=read.number("QIYOU_WEBHOOK_POLL", 5.0),
            mass_mail_sync_limit=read.integer("QIYOU_MASS_MAIL_SYNC_LIMIT", 20),
            sms_provider=read.choice("QIYOU_SMS_PROVIDER", "tencent", {"tencent": "tencent"}),
            sms_url=read.url("QIYOU_SMS_URL", "https://sms.tencentcloudapi.com", WEB_SCHEMES),
            sms_secret_id=get("QIYOU_SMS_SECRET_ID", ""),
            sms_secret_key=get("QIYOU_SMS_SECRET_KEY", ""),
            sms_region=get("QIYOU_SMS_REGION", "ap-guangzhou"),
            sms_app_id=get("QIYOU_SMS_APP_ID", ""),
            sms_sign_name=get("QIYOU_SMS_SIGN_NAME", ""),
            sms_template_id=get("QIYOU_SMS_TEMPLATE_ID", ""),
            wechat_code_template=get("QIYOU_WECHAT_CODE_TEMPLATE", ""),
            wechat_code_fields=get(
                "QIYOU_WECHAT_CODE_FIELDS", "character_string1=code,thing2=subject,time3=expires"
            ),
            wechat_calendar_template=get("QIYOU_WECHAT_CALENDAR_TEMPLATE", ""),
            wechat_calendar_fields=get(
                "QIYOU_WECHAT_CALENDAR_FIELDS", "thing1=summary,time2=start,thing3=location"
            ),
            sms_reminder_template=get("QIYOU_SMS_REMINDER_TEMPLATE", ""),
            confidential_code_minutes=read.integer("QIYOU_CONFIDENTIAL_CODE_MINUTES", 10, low=1),
            confidential_view_minutes=read.integer("QIYOU_CONFIDENTIAL_VIEW_MINUTES", 30, low=1),
            outbound_port=read.port("QIYOU_OUTBOUND_PORT", 25),
            relay_url=read.url("QIYOU_RELAY_URL", "", RELAY_SCHEMES),
            outbound_lifetime=read.number("QIYOU_OUTBOUND_LIFETIME", 5 * 86400.0),
            outbound_delay_warning=read.number("QIYOU_OUTBOUND_DELAY_WARNING", 4 * 3600.0),
            outbound_backoff=read.numbers("QIYOU_OUTBOUND_BACKOFF", (60, 300, 900, 1800, 3600)),
            outbound_concurrency=read.integer("QIYOU_OUTBOUND_CONCURRENCY", 5, low=1),
            outbound_workers=read.integer("QIYOU_OUTBOUND_WORKERS", 50, low=1),
            outbound_poll=read.number("QIYOU_OUTBOUND_POLL", 2.0),
            outbound_lease=read.number("QIYOU_OUTBOUND_LEASE", 600.0),
            outbound_timeout=read.number("QIYOU_OUTBOUND_TIMEOUT", 60.0),
            spam_url=read.url("QIYOU_SPAM_URL", "builtin", SPAM_SCHEMES, ("builtin", "off")),
            search_url=read.url("SEARCH_URL", "tantivy://", SEARCH_SCHEMES),
            search_paused=read.flag("QIYOU_SEARCH_PAUSED", False),
            blob_url=read.url("QIYOU_BLOB_URL", "", BLOB_SCHEMES),
            blob_gc_interval=read.number("QIYOU_BLOB_GC_INTERVAL", 3600.0),
            blob_gc_grace=read.number("QIYOU_BLOB_GC_GRACE", 86400.0),
            blob_trash_grace=read.number("QIYOU_BLOB_TRASH_GRACE", 7 * 86400.0),
            upload_max_size=read.size("QIYOU_UPLOAD_MAX_SIZE", 2 * 1024 * MB),
            upload_part_size=max(64 * 1024, read.size("QIYOU_UPLOAD_PART_SIZE", 8 * MB)),
            upload_expiry=read.number("QIYOU_UPLOAD_EXPIRY", 86400.0, low=1.0),
            upload_clean_interval=read.number("QIYOU_UPLOAD_CLEAN_INTERVAL", 3600.0),
            netdisk_quota=read.size("QIYOU_NETDISK_QUOTA", 10 * 1024 * MB),
            outbox_lease=read.number("QIYOU_OUTBOX_LEASE", 30.0),
            fetch_interval=read.number("QIYOU_FETCH_INTERVAL", 600.0, low=1.0),
            fetch_backoff_max=read.number("QIYOU_FETCH_BACKOFF_MAX", 3600.0, low=1.0),
            fetch_timeout=read.number("QIYOU_FETCH_TIMEOUT", 60.0, low=1.0),
            fetch_lease=read.number("QIYOU_FETCH_LEASE", 120.0, low=1.0),
            fetch_private_hosts=read.flag("QIYOU_FETCH_PRIVATE_HOSTS", False),
            migration_parallel=read.integer("QIYOU_MIGRATION_PARALLEL", 4, low=1, high=64),
            html_budget=read.number("QIYOU_HTML_BUDGET", 3.0),
            html_max_size=read.size("QIYOU_HTML_MAX_SIZE", 4 * MB),
            html_cache_size=read.size("QIYOU_HTML_CACHE_SIZE", 32 * MB),
            html_workers=read.integer("QIYOU_HTML_WORKERS", 2, low=1),
            smtp_max_connections=read.integer("QIYOU_SMTP_MAX_CONNECTIONS", 5000),
            smtp_max_connections_per_ip=read.integer("QIYOU_SMTP_MAX_CONNECTIONS_PER_IP", 50),
            submission_max_connections=read.integer("QIYOU_SUBMISSION_MAX_CONNECTIONS", 2000),
            submission_max_connections_per_ip=read.integer(
                "QIYOU_SUBMISSION_MAX_CONNECTIONS_PER_IP", 100
            ),
            http_max_connections=read.integer("QIYOU_HTTP_MAX_CONNECTIONS", 10000),
            http_max_connections_per_ip=read.integer("QIYOU_HTTP_MAX_CONNECTIONS_PER_IP", 500),
            smtp_command_timeout=read.number("QIYOU_SMTP_COMMAND_TIMEOUT", 300.0),
            smtp_data_timeout=read.number("QIYOU_SMTP_DATA_TIMEOUT", 300.0),
            stress_timeout=read.number("QIYOU_STRESS_TIMEOUT", 10.0),
            http_header_timeout=read.number("QIYOU_HTTP_HEADER_TIMEOUT", 10.0),
            http_keepalive_timeout=read.number("QIYOU_HTTP_KEEPALIVE_TIMEOUT", 5.0),
            imap_max_connections=read.integer("QIYOU_IMAP_MAX_CONNECTIONS", 10000),
            imap_max_connections_per_ip=read.integer("QIYOU_IMAP_MAX_CONNECTIONS_PER_IP", 100),
            imap_auth_timeout=read.number("QIYOU_IMAP_AUTH_TIMEOUT", 60.0),
            imap_idle_timeout=read.number("QIYOU_IMAP_IDLE_TIMEOUT", 1800.0),
            imap_write_timeout=read.number("QIYOU_IMAP_WRITE_TIMEOUT", 60.0),
            client_login_check=read.number("QIYOU_CLIENT_LOGIN_CHECK", 30.0),
            metrics_port=read.optional_port("QIYOU_METRICS_PORT"),
            metrics_allow=read.networks("QIYOU_METRICS_ALLOW"),
            metrics_token=read.text("QIYOU_METRICS_TOKEN", "").strip(),
            web_dist=read.text("QIYOU_WEB_DIST", "").strip(),
            time_zone=read.zone("QIYOU_TIME_ZONE", "Asia/Shanghai"),
        )

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with the non-None values in ``changes`` applied (CLI flags)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
