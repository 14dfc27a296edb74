"""Directory query latency with 10,000 members and 500 departments.

Starts a real ``qiyou serve`` (fresh data dir; ``--db postgres`` a fresh PostgreSQL database),
provisions the company in bulk through the ORM before the server starts (the same provisioning
as ``notice_fanout.py``), signs in as one member and times the member-facing directory
queries over GraphQL/HTTP, one at a time: the department tree, the first page of the whole
directory, a department's page, and searches by pinyin initials, by name and by address.
Prints p50/p95/p99 per query and a JSON line.

    .venv/bin/python bench/directory_query.py [--db sqlite|postgres] [--members 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import httpx
from benchlib import BenchServer, login_all, machine, member_email, print_json, summary_ms
from notice_fanout import provision

TREE = "{ directoryDepartments { id name } }"
PAGE = """
query D($dept: ID, $q: String) {
  directory(departmentId: $dept, query: $q, recursive: true, first: 50) {
    totalCount edges { node { email name } } pageInfo { hasNextPage }
  }
}
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--departments", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=50)
    return parser.parse_args(argv)


async def timed(http: httpx.AsyncClient, url: str, query: str, **variables: Any) -> tuple:
    started = time.perf_counter()
    response = await http.post(url, json={"query": query, "variables": variables})
    elapsed = time.perf_counter() - started
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return elapsed, body["data"]


async def measure(server: BenchServer, rounds: int) -> dict[str, Any]:
    email = member_email(0)
    token = (await login_all(server.graphql_url, [email]))[email]
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=60) as http:
        url = server.graphql_url
        warm, data = await timed(http, url, PAGE, q="cy")  # computes missing search keys once
        _, tree = await timed(http, url, TREE)
        departments = tree["directoryDepartments"]
        cases = {
            "department tree": (TREE, {}),
            "whole directory, first page": (PAGE, {}),
            "one department": (PAGE, {"dept": departments[len(departments) // 2]["id"]}),
            "search pinyin initials 'cy'": (PAGE, {"q": "cy"}),
            "search name '成员 4242'": (PAGE, {"q": "成员 4242"}),
            "search address 'm0042'": (PAGE, {"q": "m0042"}),
        }
        results: dict[str, Any] = {"first_search_with_key_fill_ms": round(warm * 1000, 1)}
        for name, (query, variables) in cases.items():
            samples = []
            for _ in range(rounds):
                elapsed, data = await timed(http, url, query, **variables)
                samples.append(elapsed)
            total = data["directory"]["totalCount"] if "directory" in data else len(departments)
            results[name] = {**summary_ms(samples), "results": total}
        return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server = BenchServer(db=args.db)
    try:
        server.create_database()
        print(f"provisioning {args.members} members, {args.departments} departments ...")
        provision(server, args.members, args.departments)
        server.start()
        results = asyncio.run(measure(server, args.rounds))
    finally:
        server.close()
    print(f"directory queries, {args.db}, {args.members} members, {args.departments} departments")
    for name, figures in results.items():
        print(f"  {name}: {figures}")
    print_json({"bench": "directory_query", "db": args.db, **results, "machine": machine()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
