"""Mass mail and mail-rule benchmark.

Part 1 — smart mass mail (U12) against a real ``qiyou serve`` (own temp data dir; with
``--db postgres`` its own database and the Redis broadcaster): ``--recipients`` (1,000)
members are created, then one member sends a separate-copies mail (``mode: SEPARATE``) to
all of them plus ``--external`` addresses of a remote domain. Measured: how long the
``sendMail`` mutation takes to answer (it must not wait for the copies), the time until
every copy is stored or queued (the job reaches DONE; polled through ``massMailJob`` every
100 ms), copies per second; and for comparison one NORMAL send to the same recipients
(one message, 1,000 mailbox entries).

Part 2 — policy evaluation cost per message with ``--rules`` (100) filters: in this
process, on a fresh SQLite database, one member gets 100 filters (none matching, the worst
case: every condition is evaluated), then the ingest policy of personal rules
(``mailcore.rules.apply``: loading the filters, forwarding and auto-reply settings, and
evaluating) and the external-sending restriction policy run for ``--messages`` messages.

Prints a summary, then one line of JSON with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from benchlib import (
    DOMAIN,
    PASSWORD,
    ROOT,
    BenchServer,
    exit_on_sigterm,
    login_all,
    member_email,
    print_json,
    qiyou_command,
)

SEND = """
mutation S($i: ComposeInput!) {
  sendMail(input: $i) {
    __typename
    ... on SendMailSuccess { queued massMailJob { id status } }
    ... on MailError { code message }
  }
}
"""
JOB = "query J($id: ID!) { massMailJob(id: $id) { status processed delivered queued failed } }"

CREATE_MEMBERS = """
import asyncio, sys
from mailcore.core.config import Settings
from mailcore.core.db import close_db, open_db
from mailcore.store.folders import ensure_system_folders
from mailcore.core.models import Member

async def main(first, count):
    await open_db(Settings.from_env())
    try:
        owner = await Member.get(email="m0000@bench.example")
        for i in range(first, first + count):
            email = f"m{i:04d}@bench.example"
            member = await Member.create(
                enterprise_id=owner.enterprise_id, domain_id=owner.domain_id, email=email,
                name=f"Member {i}", password_hash=owner.password_hash, is_vip=True,
                quota_bytes=owner.quota_bytes, search_key=email,
            )
            await ensure_system_folders(member.id)
    finally:
        await close_db()

asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
"""


async def gql(http: httpx.AsyncClient, url: str, token: str, query: str, **variables) -> dict:
    response = await http.post(
        url,
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


async def mass_mail(server: BenchServer, recipients: int, external: int) -> dict:
    url = server.graphql_url
    tokens = await login_all(url, [member_email(0)])
    token = tokens[member_email(0)]
    to = [member_email(i) for i in range(1, recipients - external + 1)]
    to += [f"customer{i}@remote-{i % 20}.example" for i in range(external)]
    figures: dict = {"recipients": recipients, "external": external}  # external among them
    async with httpx.AsyncClient(timeout=600) as http:
        form = {"to": to, "subject": "季度通知 quarterly notice", "text": "您好 " * 200}
        started = time.monotonic()
        data = await gql(http, url, token, SEND, i={**form, "mode": "SEPARATE"})
        answered = time.monotonic()
        result = data["sendMail"]
        if result["__typename"] != "SendMailSuccess":
            raise RuntimeError(result)
        job_id = result["massMailJob"]["id"]
        deadline = started + 1800
        while time.monotonic() < deadline:
            job = (await gql(http, url, token, JOB, id=job_id))["massMailJob"]
            if job["status"] == "DONE":
                break
            await asyncio.sleep(0.1)
        done = time.monotonic()
        figures.update(
            separate_mutation_ms=round((answered - started) * 1000, 1),
            separate_done_s=round(done - started, 2),
            separate_copies_per_s=round(recipients / (done - started), 1),
            delivered=job["delivered"],
            queued=job["queued"],
            failed=job["failed"],
        )
        started = time.monotonic()
        data = await gql(http, url, token, SEND, i={**form, "subject": "normal"})
        figures["normal_send_s"] = round(time.monotonic() - started, 2)
        figures["normal_queued"] = data["sendMail"].get("queued")
    return figures


async def rule_cost(rules: int, messages: int) -> dict:
    """Policy cost per message with ``rules`` filters, on a fresh SQLite database."""
    sys.path.insert(0, str(ROOT))
    from mailcore.core.config import Settings
    from mailcore.core.db import close_db, open_db

    with tempfile.TemporaryDirectory() as data_dir:
        await open_db(Settings(data_dir=Path(data_dir)))
        try:
            return await _measure(rules, messages)
        finally:
            await close_db()


async def _measure(rules: int, messages: int) -> dict:
    from mailcore.core.blobs import open_blob_store
    from mailcore.core.config import Settings
    from mailcore.core.mime.parse import parse_message
    from mailcore.org.service import add_domain, add_member
    from mailcore.policy import restrict
    from mailcore.policy.pipeline import policies
    from mailcore.rules import apply as rules_policy
    from mailcore.rules.filters import Actions, Condition, FilterSpec, create_filter
    from mailcore.store.request import Delivery, IngestRequest, IngestSource

    settings = Settings.from_env()
    pipeline = policies(settings, open_blob_store(settings.blob_location))
    await add_domain("rules.example", None)
    member = await add_member("owner@rules.example", PASSWORD, quota=1 << 30)
    for i in range(rules):
        spec = FilterSpec(
            name=f"rule {i}",
            conditions=[
                Condition("subject", "contains", f"never-{i}"),
                Condition("from", "ends_with", f"@nowhere-{i}.example"),
            ],
            actions=Actions(flag=True),
            match_all=False,
        )
        await create_filter(member.id, spec)
    raw = (
        b"From: Sender <sender@remote.example>\r\nTo: owner@rules.example\r\n"
        b"Subject: weekly report\r\nMessage-ID: <x@remote.example>\r\n\r\nbody\r\n"
    )
    parsed = parse_message(raw)

    def request(**changes) -> IngestRequest:
        req = IngestRequest(
            raw=raw,
            source=IngestSource.SMTP_INBOUND,
            envelope_from="sender@remote.example",
            deliveries=[Delivery(member_id=member.id)],
        )
        for name, value in changes.items():
            setattr(req, name, value)
        return req

    async def timed(policy, **changes) -> float:
        started = time.perf_counter()
        for _ in range(messages):
            await policy(request(**changes), parsed)
        return (time.perf_counter() - started) / messages * 1000

    outbound = {
        "source": IngestSource.COMPOSE,
        "sender_member_id": member.id,
        "outbound": ["a@b.example"],
    }
    return {
        "rules": rules,
        "messages": messages,
        "rules_policy_ms_per_msg": round(await timed(rules_policy.apply), 3),
        "restrict_policy_ms_per_msg": round(await timed(restrict.apply, **outbound), 3),
        "whole_pipeline_ms_per_msg": round(await timed(lambda req, p: _all(pipeline, req, p)), 3),
        "policies_in_pipeline": len(pipeline),
    }


async def _all(policies, request, parsed) -> None:
    for policy in policies:
        await policy(request, parsed)


def main() -> None:
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--external", type=int, default=0, help="remote recipients among them")
    parser.add_argument("--rules", type=int, default=100)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--skip-server", action="store_true", help="only the rule cost part")
    args = parser.parse_args()
    figures: dict = {"db": args.db}
    if not args.skip_server:
        server = BenchServer(db=args.db, broadcast="redis" if args.db == "postgres" else "memory")
        try:
            server.create_database()
            subprocess.run(  # migrations first: slow on a busy machine (cli() waits 90 s)
                [*qiyou_command(), "migrate"], env=server.env(), cwd=ROOT, check=True, timeout=1200
            )
            server.cli("domain", "add", DOMAIN)
            server.cli("user", "add", member_email(0), "--password", PASSWORD, "--vip")
            subprocess.run(
                [sys.executable, "-c", CREATE_MEMBERS, "1", str(args.recipients)],
                env=server.env(),
                cwd=ROOT,
                check=True,
                timeout=1800,
            )
            server.start()
            figures.update(asyncio.run(mass_mail(server, args.recipients, args.external)))
            problems, _ = server.log_problems()
            figures["server_log_errors"] = problems
        finally:
            server.close()
        print(
            f"mass mail to {args.recipients} ({args.external} external): mutation answered in "
            f"{figures['separate_mutation_ms']} ms, all copies stored/queued after "
            f"{figures['separate_done_s']} s ({figures['separate_copies_per_s']} copies/s); "
            f"delivered {figures['delivered']}, queued {figures['queued']}, failed "
            f"{figures['failed']}; one NORMAL send to the same list: {figures['normal_send_s']} s"
        )
    cost = asyncio.run(rule_cost(args.rules, args.messages))
    figures.update(cost)
    print(
        f"policy cost with {args.rules} filters: rules policy {cost['rules_policy_ms_per_msg']} "
        f"ms/msg, restriction {cost['restrict_policy_ms_per_msg']} ms/msg, whole pipeline "
        f"({cost['policies_in_pipeline']} policies) {cost['whole_pipeline_ms_per_msg']} ms/msg"
    )
    print_json(figures)


if __name__ == "__main__":
    main()
