"""The ``qiyou`` command: serve, domain add, user add, demo, migrate, migration (mail from an
old server), version, schema export.

Every setting (environment variable or flag) is read and checked before anything starts:
a bad one ends the command with one line, ``qiyou: QIYOU_HTTP_PORT='abc': expected a port
number 0-65535``, and exit code 2 (``_load_settings``); so does a port that is in use.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from mailcore.core.config import SettingError, Settings, check_data_dir, parse_size

# The flags that set a variable (an error about the value names the flag that gave it).
FLAG_VARIABLES = {
    "data_dir": ("--data-dir", "QIYOU_DATA_DIR"),
    "database_url": ("--database-url", "DATABASE_URL"),
    "host": ("--host", "QIYOU_HOST"),
    "http_port": ("--http-port", "QIYOU_HTTP_PORT"),
    "smtp_port": ("--smtp-port", "QIYOU_SMTP_PORT"),
    "submission_port": ("--submission-port", "QIYOU_SUBMISSION_PORT"),
    "broadcast_url": ("--broadcast-url", "BROADCAST_URL"),
}
USAGE_ERROR = 2  # the exit code of a bad setting or a busy port (click's for bad usage)


def fail(message: str) -> NoReturn:
    """End the command with one line on stderr and exit code 2."""
    click.echo(f"qiyou: {message}", err=True)
    sys.exit(USAGE_ERROR)


def _load_settings(flags: dict[str, Any]) -> Settings:
    """The settings of the environment with the ``flags`` given, every value checked."""
    given = {FLAG_VARIABLES[name]: str(value) for name, value in flags.items() if value is not None}
    env = {**os.environ, **{variable: value for (_, variable), value in given.items()}}
    try:
        settings = Settings.from_env(env)
        check_data_dir(settings)
        check_blob_url(settings)
    except SettingError as exc:
        flag = next((flag for flag, variable in given if variable == exc.name), None)
        fail(str(exc.renamed(flag) if flag else exc))
    return settings


def check_blob_url(settings: Settings) -> None:
    """QIYOU_BLOB_URL's parameters (``endpoint``, ``region``, ``prefix`` ...) as the store
    reads them, before anything starts."""
    if settings.blob_url.startswith("s3://"):
        from mailcore.core.blobs.s3 import S3BlobStore
        from mailcore.core.redact import mask_url

        try:
            S3BlobStore.from_url(settings.blob_url)
        except ValueError as exc:
            raise SettingError(
                "QIYOU_BLOB_URL", mask_url(settings.blob_url), f"a usable s3:// URL ({exc})"
            ) from None


def version() -> str:
    """This installation's version (package metadata)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("qiyou")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj


def _check_database(settings: Settings, *, blobs: bool = False) -> None:
    """End with one line (exit code 1) when the database (and with ``blobs`` an S3 blob
    store) cannot be used."""
    from mailcore.core import blobs as blob_stores
    from mailcore.core.db import unreachable
    from mailcore.core.redact import mask_url

    why = asyncio.run(unreachable(settings))
    if why is not None:
        click.echo(f"qiyou: cannot use the database {mask_url(settings.db_url)}: {why}", err=True)
        sys.exit(1)
    why = asyncio.run(blob_stores.unreachable(settings.blob_location)) if blobs else None
    if why is not None:
        where = mask_url(settings.blob_location)
        click.echo(f"qiyou: cannot use the blob store {where}: {why}", err=True)
        sys.exit(1)


def _run_with_db(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    from mailcore.core.db import close_db, open_db

    async def main() -> Any:
        await open_db(settings)
        try:
            return await work()
        finally:
            await close_db()

    return asyncio.run(main())


async def _alone(name: str, work: Awaitable[Any]) -> Any:
    """Run a singleton job under its database lock (the servers' workers take the same one)."""
    from mailcore.core.locks import singleton

    async with singleton(name) as held:
        if not held:
            work.close()  # type: ignore[attr-defined] - the coroutine is never awaited
            raise click.ClickException(f"{name} is running in another process; try again later")
        return await work


@click.group()
@click.version_option(version(), prog_name="qiyou", message="%(prog)s %(version)s")
@click.option("--data-dir", type=click.Path(path_type=Path), help="QIYOU_DATA_DIR")
@click.option("--database-url", help="DATABASE_URL")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, database_url: str | None) -> None:
    """Qiyou (企邮) enterprise mail."""
    ctx.meta["qiyou.flags"] = {"data_dir": data_dir, "database_url": database_url}
    ctx.obj = _load_settings(ctx.meta["qiyou.flags"])


@main.command("version")
def show_version() -> None:
    """Print the version (as ``qiyou --version``)."""
    click.echo(f"qiyou {version()}")


@main.command()
@click.option("--host", help="QIYOU_HOST")
@click.option("--http-port", help="QIYOU_HTTP_PORT")
@click.option("--smtp-port", help="QIYOU_SMTP_PORT")
@click.option("--submission-port", help="QIYOU_SUBMISSION_PORT")
@click.option("--broadcast-url", help="BROADCAST_URL")
@click.option(
    "--roles",
    default="all",
    show_default=True,
    help="What this process runs, comma-separated: http, mx, submission, imap, pop3, worker"
    " (or all).",
)
@click.option(
    "--no-migrate",
    is_flag=True,
    help="Do not apply migrations at start (a rolling upgrade: another process migrated).",
)
@click.pass_context
def serve(ctx: click.Context, roles: str, no_migrate: bool, **flags: Any) -> None:
    """Run HTTP (GraphQL), SMTP MX, SMTP submission and the workers in one asyncio loop,
    or only the ``--roles`` given."""
    from mailcore.core.net.listen import ListenError, bind_socket
    from mailcore.core.net.tls import check_certificate

    given = {**ctx.meta["qiyou.flags"], **flags}
    settings = _load_settings(given)
    # The processes this one starts (QIYOU_MX_PROCESSES) read the same settings.
    os.environ.update({FLAG_VARIABLES[n][1]: str(v) for n, v in given.items() if v is not None})
    try:
        check_certificate(settings)
    except SettingError as exc:
        fail(str(exc))
    from mailcore.runtime import ROLES, parse_roles

    try:
        wanted = parse_roles(roles)
    except ValueError as exc:
        fail(f"--roles={roles!r}: expected some of {', '.join(ROLES)}, or all ({exc})")
    try:
        from api.routes_health import networks

        networks(settings)  # who may read /metrics (QIYOU_METRICS_ALLOW): refuse bad entries
    except ValueError as exc:
        fail(str(exc))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    from api.logs import configure as configure_logging

    configure_logging(settings.log_format)  # text or JSON lines, secrets masked (api/logs.py)
    settings = _fit_connection_limits(settings)
    # aiosmtpd logs every MAIL, RCPT and DATA at INFO: five lines per message on the event
    # loop. Deliveries are in the mail logs (database); keep its warnings and errors.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    listening = {
        "http": f"http://{settings.host}:{settings.http_port}/graphql",
        "mx": f"smtp {settings.host}:{settings.smtp_port}",
        "submission": f"submission {settings.host}:{settings.submission_port}",
        "worker": "workers",
    }
    shown = "  ".join(text for role, text in listening.items() if role in wanted)
    if settings.log_format != "json":  # JSON logs: only JSON lines (the banner below)
        click.echo(f"Qiyou: {shown}  data {settings.data_dir}")
    logging.getLogger("qiyou").info("%s", banner(settings, wanted))
    # SIGHUP reloads the certificate where there are TLS listeners (mailcore/core/net/tls.py
    # installs that handler); a process without them ignores it rather than dying.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        if "http" not in wanted:
            _check_database(settings, blobs=True)
            _use_uvloop()  # as uvicorn does for the HTTP process (loop="auto")
            asyncio.run(_serve_without_http(settings, wanted, not no_migrate))
            return
        # Bound now, before migrations and listeners: a busy port ends start-up at once.
        sock = bind_socket("QIYOU_HTTP_PORT", settings.host, settings.http_port)
        _check_database(settings, blobs=True)
        _serve_http(settings, wanted, not no_migrate, sock)
    except ListenError as exc:
        fail(str(exc))


def _use_uvloop() -> None:
    """uvloop's event loop where it is installed (uvicorn[standard] brings it): its
    transports are C, which a process of mail listeners spends much of its time in."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def banner(settings: Settings, roles: frozenset[str]) -> str:
    """The start-up line: version, roles and the backends in use (secrets masked)."""
    from mailcore.core.redact import mask_url
    from mailcore.runtime import ROLES

    blobs = settings.blob_url or f"file://{settings.blob_dir.resolve()}"
    return (
        f"Qiyou {version()}: roles {','.join(r for r in ROLES if r in roles)};"
        f" database {mask_url(settings.db_url)}; bus {mask_url(settings.broadcast_url)};"
        f" blobs {mask_url(blobs)}; search {mask_url(settings.search_url)}"
    )


async def _serve_without_http(settings: Settings, roles: frozenset[str], migrate: bool) -> None:
    from tortoise import Tortoise

    from mailcore.core.db import close_db, tortoise_config
    from mailcore.core.db import migrate as run_migrations
    from mailcore.runtime import Runtime, run_forever

    if migrate:
        await run_migrations(settings)
    await Tortoise.init(config=tortoise_config(settings))
    try:
        runtime = Runtime.create(settings, roles)
        if not settings.metrics_port:
            await run_forever(runtime)
            return
        from api.routes_health import start_listener

        stop_metrics = await start_listener(runtime)  # probes answer from the start
        try:
            await run_forever(runtime)
        finally:
            await stop_metrics()
    finally:
        await close_db()


class _StartupGuard:
    """The app with its lifespan watched: a ``ListenError`` in start-up (a mail port in
    use) is kept for the command to report in one line, not logged as a traceback."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.error: Exception | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        from mailcore.core.net.listen import ListenError

        if scope["type"] != "lifespan":
            return await self.app(scope, receive, send)

        async def told(message: Any) -> None:
            failed = sys.exc_info()[1]  # Starlette tells the failure from its except block
            if message["type"] == "lifespan.startup.failed" and isinstance(failed, ListenError):
                self.error = failed
                message = {**message, "message": ""}
            await send(message)

        try:
            await self.app(scope, receive, told)
        except ListenError:
            pass  # told above: uvicorn exits without serving


def _serve_http(
    settings: Settings, roles: frozenset[str], migrate: bool, sock: socket.socket
) -> None:
    import uvicorn

    from api.app import create_app
    from api.connections import LimitedWebSocket, http_protocol
    from mailcore.core.net.limits import ConnectionLimits

    http_limits = ConnectionLimits(
        "http",
        per_ip=settings.http_max_connections_per_ip,
        total=settings.http_max_connections,
        exempt=settings.trusted_proxies,
    )
    app = _StartupGuard(create_app(settings, roles=roles, run_migrations=migrate))
    config = uvicorn.Config(
        app,
        http=http_protocol(http_limits, settings.http_header_timeout),
        timeout_keep_alive=settings.http_keepalive_timeout,  # type: ignore[arg-type]
        backlog=4096,
        host=settings.host,
        port=settings.http_port,
        loop="auto",  # uvloop when installed (uvicorn[standard] brings it)
        lifespan="on",
        ws=LimitedWebSocket,  # websockets-sansio, counted in the HTTP connection limits
        log_level="info",
        log_config=None,  # uvicorn's lines, the access log too, go through api/logs.py
        ws_ping_interval=20,
        # Pushes are small JSON frames: compressing each one for each socket costs more CPU
        # (and ~300 KB of zlib state per socket) than it saves on the wire.
        ws_per_message_deflate=False,
        # The client IP (IP login limits, throttling, logs) is the peer's address unless the
        # peer is a configured proxy: X-Forwarded-For is not believed by default.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies) or None,
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except SystemExit:  # uvicorn's own exit when start-up failed
        if app.error is None:
            raise
    if app.error is not None:
        raise app.error


def _fit_connection_limits(settings: Settings) -> Settings:
    """Raise the descriptor limit to the hard one and keep the listeners' totals below it."""
    from mailcore.core.net.limits import fit_totals, raise_nofile

    totals = fit_totals(
        {
            "http_max_connections": settings.http_max_connections,
            "smtp_max_connections": settings.smtp_max_connections,
            "submission_max_connections": settings.submission_max_connections,
        },
        raise_nofile(),
    )
    return settings.with_overrides(**totals)


@main.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Apply database migrations."""
    from mailcore.core.db import migrate as run

    _check_database(_settings(ctx))
    asyncio.run(run(_settings(ctx)))  # one process at a time (a database lock)
    click.echo("migrations applied")


@main.group()
def domain() -> None:
    """Hosted domains."""


@domain.command("add")
@click.argument("name")
@click.option("--enterprise", help="Add to this existing enterprise (default: a new one).")
@click.option("--alias-of", help="An alias domain of this primary domain (same members).")
@click.pass_context
def domain_add(ctx: click.Context, name: str, enterprise: str | None, alias_of: str | None) -> None:
    """Host a new domain."""
    from mailcore.org.errors import OrgError
    from mailcore.org.service import add_domain

    try:
        created = _run_with_db(
            _settings(ctx), lambda: add_domain(name, enterprise, alias_of=alias_of)
        )
    except OrgError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"domain {created.name} added")


@main.group()
def user() -> None:
    """Members."""


@user.command("add")
@click.argument("email")
@click.option("--password", required=True)
@click.option("--name", default="")
@click.option("--vip", is_flag=True, help="No quota (unlimited capacity).")
@click.option("--quota", help="Quota such as 2G or 500M (default QIYOU_DEFAULT_QUOTA).")
@click.pass_context
def user_add(
    ctx: click.Context, email: str, password: str, name: str, vip: bool, quota: str | None
) -> None:
    """Create a member in a hosted domain."""
    from mailcore.org.errors import OrgError
    from mailcore.org.service import add_member

    settings = _settings(ctx)
    try:
        size = parse_size(quota) if quota else settings.default_quota
    except ValueError as exc:
        raise click.BadParameter(f"not a size: {quota}", param_hint="--quota") from exc
    try:
        member = _run_with_db(
            settings, lambda: add_member(email, password, name=name, vip=vip, quota=size)
        )
    except OrgError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"member {member.email} added{' (VIP)' if vip else ''}")


@user.command("alias")
@click.argument("email")
@click.argument("alias")
@click.pass_context
def user_alias(ctx: click.Context, email: str, alias: str) -> None:
    """Give a member another address in a domain of their enterprise."""
    from mailcore.org.errors import OrgError
    from mailcore.org.service import add_alias, find_member

    async def work() -> None:
        member = await find_member(email)
        if member is None:
            raise click.ClickException(f"no member {email}")
        await add_alias(member, alias)

    try:
        _run_with_db(_settings(ctx), work)
    except OrgError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"alias {alias} → {email} added")


@main.group()
def admin() -> None:
    """Administrators."""


@admin.command("grant")
@click.argument("email")
@click.option("--super", "is_super", is_flag=True, help="Super administrator (everything).")
@click.option("--permission", "permissions", multiple=True, help="e.g. members, groups, logs")
@click.option("--department-id", "department_ids", multiple=True, type=int)
@click.pass_context
def admin_grant(
    ctx: click.Context,
    email: str,
    is_super: bool,
    permissions: tuple[str, ...],
    department_ids: tuple[int, ...],
) -> None:
    """Make a member an administrator of their enterprise."""
    from mailcore.admin.errors import AdminError
    from mailcore.admin.roles import grant
    from mailcore.admin.scope import system_scope
    from mailcore.org.service import find_member

    async def work() -> None:
        member = await find_member(email)
        if member is None:
            raise click.ClickException(f"no member {email}")
        scope = system_scope(member.enterprise_id)
        await grant(
            scope,
            member,
            is_super=is_super,
            permissions=list(permissions),
            department_ids=list(department_ids),
        )

    try:
        _run_with_db(_settings(ctx), work)
    except AdminError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{email} is now {'a super ' if is_super else 'an '}administrator")


@main.group()
def directory() -> None:
    """The enterprise directory."""


@directory.command("purge")
@click.pass_context
def directory_purge(ctx: click.Context) -> None:
    """Remove members deleted longer ago than QIYOU_RESTORE_DAYS, with their mail."""
    from mailcore.directory.lifecycle import purge_deleted_members

    settings = _settings(ctx)
    purged = _run_with_db(
        settings, lambda: _alone("directory-purge", purge_deleted_members(settings.restore_days))
    )
    for email in purged:
        click.echo(f"purged {email}")
    click.echo(f"{len(purged)} deleted member(s) purged")


@main.group()
def openapi() -> None:
    """Open API apps (Exmail-compatible /cgi-bin API)."""


@openapi.command("create-app")
@click.option("--domain", required=True, help="A domain of the enterprise.")
@click.option("--kind", required=True, help="directory, sso, newmail, settings or logs")
@click.option("--webhook", default="", help="newmail apps: URL to POST new-mail events to")
@click.pass_context
def openapi_create_app(ctx: click.Context, domain: str, kind: str, webhook: str) -> None:
    """Create an app and print its credentials as JSON (the secret is shown only now)."""
    import json

    from mailcore.admin.errors import AdminError
    from mailcore.admin.scope import system_scope
    from mailcore.openapi.apps import create_app, enterprise_of_domain

    async def work() -> dict[str, str]:
        scope = system_scope(await enterprise_of_domain(domain))
        created = await create_app(scope, kind, webhook, bus=None)  # servers re-read in 30 s
        out = {
            "corpid": created.app.corpid,
            "corpsecret": created.corpsecret,
            "kind": created.app.kind.value,
        }
        if created.webhook_secret:
            out["webhook_secret"] = created.webhook_secret
        if created.callback_token:  # for the Exmail callback format (updateOpenApp)
            out["callback_token"] = created.callback_token
            out["callback_aes_key"] = created.callback_aes_key
        return out

    try:
        click.echo(json.dumps(_run_with_db(_settings(ctx), work)))
    except AdminError as exc:
        raise click.ClickException(exc.message) from exc


@main.group()
def archive() -> None:
    """The enterprise mail archive (A1)."""


@archive.command("purge")
@click.pass_context
def archive_purge(ctx: click.Context) -> None:
    """Remove archived mail older than each enterprise's retention period."""
    from mailcore.archive.purge import purge_expired

    removed = _run_with_db(_settings(ctx), lambda: _alone("archive-retention", purge_expired()))
    click.echo(f"{removed} expired archive record(s) purged")


@main.group()
def blobs() -> None:
    """The blob store (docs/blobs.md)."""


@blobs.command("gc")
@click.option("--dry-run", is_flag=True, help="Only count the blobs that would go to the trash.")
@click.pass_context
def blobs_gc(ctx: click.Context, dry_run: bool) -> None:
    """Move blobs no row references (older than QIYOU_BLOB_GC_GRACE) to the trash; delete
    trash entries older than QIYOU_BLOB_TRASH_GRACE that are still unreferenced."""
    from mailcore.core.blobs import open_blob_store
    from mailcore.core.blobs.gc import LOCK, collect_unlocked

    settings = _settings(ctx)
    try:
        store = open_blob_store(settings.blob_location)
    except ValueError as exc:
        fail(f"QIYOU_BLOB_URL: {exc}")

    async def work() -> Any:
        try:
            collecting = collect_unlocked(
                store,
                grace=settings.blob_gc_grace,
                trash_grace=settings.blob_trash_grace,
                dry_run=dry_run,
            )
            return await _alone(LOCK, collecting)
        finally:
            await store.close()

    report = _run_with_db(settings, work)
    click.echo(report.line() + (" (dry run: nothing moved)" if dry_run else ""))


@main.group()
def auditor() -> None:
    """Archive auditors (A1)."""


@auditor.command("grant")
@click.argument("email")
@click.option("--department-id", "department_ids", multiple=True, type=int, required=True)
@click.option("--from", "date_from", type=click.DateTime(), help="Mail archived from (UTC).")
@click.option("--to", "date_to", type=click.DateTime(), help="Mail archived until (UTC).")
@click.pass_context
def auditor_grant(
    ctx: click.Context,
    email: str,
    department_ids: tuple[int, ...],
    date_from: Any,
    date_to: Any,
) -> None:
    """Let a member search the archived mail of some departments."""
    from datetime import UTC

    from mailcore.admin.errors import AdminError
    from mailcore.admin.scope import system_scope
    from mailcore.archive.auditors import grant_auditor
    from mailcore.archive.errors import PolicyError
    from mailcore.org.service import find_member

    async def work() -> None:
        member = await find_member(email)
        if member is None:
            raise click.ClickException(f"no member {email}")
        await grant_auditor(
            system_scope(member.enterprise_id),
            email,
            list(department_ids),
            date_from.replace(tzinfo=UTC) if date_from else None,
            date_to.replace(tzinfo=UTC) if date_to else None,
        )

    try:
        _run_with_db(_settings(ctx), work)
    except (AdminError, PolicyError) as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{email} is now an auditor")


@main.group()
def search() -> None:
    """The search index (SEARCH_URL)."""


@search.command("reindex")
@click.option(
    "--space",
    type=click.Choice(["all", "mail", "archive"]),
    default="all",
    show_default=True,
    help="Which index: members' mail, the archive, or both.",
)
@click.pass_context
def search_reindex(ctx: click.Context, space: str) -> None:
    """Rebuild search indexes from the database (safe while the server runs)."""
    from mailcore.search.admin import reindex
    from mailcore.search.contract import SPACES, SearchUnavailable

    settings = _settings(ctx)
    bars: list[Any] = []

    def start(total: int) -> None:
        bars.append(click.progressbar(length=total, label=f"indexing {space}", show_pos=True))
        bars[0].__enter__()

    def progress(count: int) -> None:
        bars[0].update(count)

    try:
        spaces = SPACES if space == "all" else (space,)
        done = _run_with_db(settings, lambda: reindex(settings, start, progress, spaces))
    except SearchUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        if bars:
            bars[0].__exit__(None, None, None)
    click.echo(f"{done} documents indexed")


@search.command("status")
@click.pass_context
def search_status(ctx: click.Context) -> None:
    """How far the search index is: entries, indexed, waiting."""
    from mailcore.search.admin import status

    for key, value in _run_with_db(_settings(ctx), lambda: status(_settings(ctx))).items():
        click.echo(f"{key}: {value}")


@main.group()
def translate() -> None:
    """Offline translation models (Argos Translate packages)."""


@translate.command("install")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def translate_install(ctx: click.Context, file: Path) -> None:
    """Install a model package from FILE.argosmodel into the data directory."""
    from mailcore.translate.errors import TranslateError
    from mailcore.translate.packages import install_package, verify_with_argos

    settings = _settings(ctx)
    try:
        pkg = install_package(settings.data_dir, file)
        verify_with_argos(settings.data_dir, pkg)
    except TranslateError as exc:
        raise click.ClickException(exc.message) from exc
    splitter = "bundled sentence splitter" if pkg.has_splitter else "rule sentence splitter"
    click.echo(f"installed {pkg.model}: {pkg.from_code} -> {pkg.to_code} ({splitter})")


@translate.command("list")
@click.pass_context
def translate_list(ctx: click.Context) -> None:
    """List the installed model packages."""
    from mailcore.translate.packages import list_packages

    found = list_packages(_settings(ctx).data_dir)
    if not found:
        click.echo("no translation model installed")
    for pkg in found:
        click.echo(f"{pkg.from_code} -> {pkg.to_code}  {pkg.model}  {pkg.path}")


@main.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Create a demo company (demo.qiyou.test) with members and a few conversations."""
    from mailcore.demo import create_demo

    lines = _run_with_db(_settings(ctx), lambda: create_demo(_settings(ctx)))
    for line in lines:
        click.echo(line)


@main.group()
def tickets() -> None:
    """Signed download links (?ticket=)."""


@tickets.command("rotate")
@click.pass_context
def tickets_rotate(ctx: click.Context) -> None:
    """A new key signs download tickets; the previous one is accepted for a while yet."""
    from mailcore.security.tickets import DownloadTickets

    settings = _settings(ctx)
    if settings.secret_key:
        raise click.ClickException("QIYOU_SECRET_KEY is set: change it to rotate the key")
    rotated = DownloadTickets(ttl=settings.download_ticket_ttl)
    key_id = _run_with_db(settings, rotated.rotate)
    click.echo(f"download tickets are now signed with key {key_id}")


@main.group()
def migration() -> None:
    """Mail migration from an old server (邮箱搬家, docs/migration.md)."""


WAIT_HELP = "Block until it ends; exit 0 only if nothing was left out."


def _migration_error(exc: Any) -> click.ClickException:
    return click.ClickException(f"{exc.field}: {exc.message}" if exc.field else exc.message)


@migration.command("start")
@click.option("--source", required=True, help="imap://host:port, imaps://, pop3://, pop3s://")
@click.option(
    "--members",
    "members_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV or XLSX: old address, old password, new address",
)
@click.option("--master-user", help="An IMAP master (admin) user logging in as each member.")
@click.option("--master-password", help="Its password (or QIYOU_MIGRATION_MASTER_PASSWORD).")
@click.option("--wait", is_flag=True, help=WAIT_HELP)
@click.pass_context
def migration_start(
    ctx: click.Context,
    source: str,
    members_file: Path,
    master_user: str | None,
    master_password: str | None,
    wait: bool,
) -> None:
    """Start a migration (with the same old server again: only new mail is moved)."""
    from mailcore.admin.scope import system_scope
    from mailcore.fetch.crypt import crypt_for
    from mailcore.migration.errors import MigrationError
    from mailcore.migration.service import MasterLogin, enterprise_of, start_migration
    from mailcore.migration.source import read_members

    settings = _settings(ctx)
    password = master_password or os.environ.get("QIYOU_MIGRATION_MASTER_PASSWORD", "")
    master = MasterLogin(master_user, password) if master_user else None

    async def work() -> int:
        lines = read_members(members_file.read_bytes(), members_file.name)
        scope = system_scope(await enterprise_of(lines))
        crypt = crypt_for(settings)
        return (await start_migration(scope, source, lines, settings, crypt, master)).id

    try:
        migration_id = _run_with_db(settings, work)
    except MigrationError as exc:
        raise _migration_error(exc) from exc
    click.echo(f"migration {migration_id} started (a server's worker role moves the mail)")
    if wait:
        sys.exit(_migration_wait(settings, migration_id))


@migration.command("status")
@click.argument("migration_id", required=False, type=int)
@click.option("--wait", is_flag=True, help=WAIT_HELP)
@click.pass_context
def migration_status(ctx: click.Context, migration_id: int | None, wait: bool) -> None:
    """A migration's progress (default: the newest) and each member's line."""
    settings = _settings(ctx)
    if wait:
        sys.exit(_migration_wait(settings, migration_id))
    _migration_print(*_migration_snapshot(settings, migration_id))


@migration.command("pause")
@click.argument("migration_id", type=int)
@click.pass_context
def migration_pause(ctx: click.Context, migration_id: int) -> None:
    """Pause: the workers stop after the message they are storing."""
    _migration_change(_settings(ctx), migration_id, "pause_migration")
    click.echo(f"migration {migration_id} paused")


@migration.command("resume")
@click.argument("migration_id", type=int)
@click.pass_context
def migration_resume(ctx: click.Context, migration_id: int) -> None:
    """Resume a paused migration, or run an ended one again (only new mail)."""
    _migration_change(_settings(ctx), migration_id, "resume_migration")
    click.echo(f"migration {migration_id} running")


def _migration_change(settings: Settings, migration_id: int, verb: str) -> None:
    from mailcore.admin.scope import system_scope
    from mailcore.migration import service
    from mailcore.migration.errors import MigrationError

    async def work() -> None:
        found = await service.latest(migration_id)
        await getattr(service, verb)(system_scope(found.enterprise_id), found.id)

    try:
        _run_with_db(settings, work)
    except MigrationError as exc:
        raise _migration_error(exc) from exc


def _migration_snapshot(settings: Settings, migration_id: int | None) -> tuple[Any, Any, Any]:
    from mailcore.migration import progress, service
    from mailcore.migration.errors import MigrationError

    async def work() -> tuple[Any, Any, Any]:
        found = await service.latest(migration_id)
        rows = (await progress.rows_of([found.id]))[found.id]
        return found, rows, progress.measure(found, rows)

    try:
        return _run_with_db(settings, work)
    except MigrationError as exc:
        raise _migration_error(exc) from exc


def _migration_line(found: Any, got: Any) -> str:
    """``#3 RUNNING [#######.............] 35% 105/300 messages ...`` (one line)."""
    share = got.messages_done / got.messages_total if got.messages_total else 0.0
    bar = "#" * int(share * 20) + "." * (20 - int(share * 20))
    eta = f" ETA {got.eta_seconds // 60}:{got.eta_seconds % 60:02d}" if got.eta_seconds else ""
    return (
        f"#{found.id} {found.state.name} [{bar}] {share:4.0%} "
        f"{got.messages_done}/{got.messages_total} messages "
        f"{got.bytes_done / 1e6:.1f}/{got.bytes_total / 1e6:.1f} MB, "
        f"members {got.finished}/{got.members}, stored {got.stored}, refused {got.refused}, "
        f"{got.rate:.1f} msg/s{eta}"
    )


def _migration_print(found: Any, rows: Any, got: Any) -> None:
    click.echo(_migration_line(found, got))
    for row in rows:
        error = f" ({row.last_error})" if row.last_error else ""
        click.echo(
            f"  {row.old_address} -> {row.member.email}: {row.state.name} "
            f"{row.messages_done}/{row.messages_total} messages, stored {row.stored}, "
            f"refused {row.refused}{error}"
            + (f", folders left out {row.folders_failed}" if row.folders_failed else "")
        )


def _migration_wait(settings: Settings, migration_id: int | None) -> int:
    """Print the progress line until the migration ends: 0 if nothing was left out."""
    import time

    from mailcore.core.models import MigrationState

    tty = sys.stdout.isatty()
    while True:
        found, rows, got = _migration_snapshot(settings, migration_id)
        if found.state in (MigrationState.DONE, MigrationState.FAILED):
            if tty:
                click.echo()
            _migration_print(found, rows, got)
            return 0 if got.complete else 1
        click.echo(("\r" if tty else "") + _migration_line(found, got), nl=not tty)
        migration_id = found.id
        time.sleep(1.0)


@main.group("schema")
def schema_group() -> None:
    """The GraphQL schema."""


@schema_group.command("export")
def schema_export() -> None:
    """Print the GraphQL schema as SDL (the clients' documents are validated against it)."""
    from schema import schema

    click.echo(schema.as_str())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
