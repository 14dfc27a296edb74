"""Embedded search (tantivy) at scale: indexing rate, index size and query latency.

Generates mixed Chinese/English mail (subjects, bodies of realistic length, people, some
attachment text) for ``--owners`` mailboxes, indexes it through the search contract's
tantivy backend (the same code the server uses, in-process, no database), then times
searches in random members' mailboxes through ``backend.search`` — query building, the
search, fetching 20 stored hits and building their highlighted snippets:

- 1-word: one English word; 2-word: two English words; 中文 2-char: one Chinese word;
- filtered: one word + folder + unread + a 90-day window.

Beside wall-clock times it prints the CPU time of this process (indexing; each query): on a
machine shared with other work those move far less than the wall-clock figures.

    .venv/bin/python bench/search_index.py [--docs 100000] [--owners 1000] [--queries 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mailcore.search import MAIL, SearchDoc, SearchQuery, Sort  # noqa: E402
from mailcore.search.tantivy_backend import TantivyBackend  # noqa: E402

ZH = (
    "会议 项目 预算 报告 客户 合同 产品 市场 销售 季度 计划 审批 财务 人事 招聘 培训 技术 "
    "服务器 数据 安全 测试 上线 版本 需求 设计 文档 邮件 通知 安排 总结 周报 月报 年度 目标 "
    "风险 进度 质量 成本 采购 供应商 物流 仓库 发票 报销 出差 假期 办公室 部门 经理 同事 "
    "领导 团队 公司 集团 北京 上海 深圳 广州 杭州 成都 会议室 讨论 确认 反馈 问题 方案 "
    "优化 调整 升级 维护 故障 处理 完成 延期 提交 评审 签字 付款 收款 投标 谈判 合作 伙伴"
).split()
EN = (
    "meeting project budget report customer contract product market sales quarter plan "
    "approval finance hiring training server data security testing release version design "
    "document schedule summary weekly monthly annual target risk progress quality cost "
    "purchase supplier logistics invoice expense travel holiday office department manager "
    "team company review feedback issue proposal update upgrade maintenance incident deadline "
    "deliver submit sign payment bid negotiate partner launch roadmap forecast revenue growth "
    "the a of to and in for on with at by from is are was be this that will please thanks"
).split()
NAMES = "王伟 李娜 张敏 刘洋 陈静 杨帆 Alice Bob Carol David Emma Frank Grace Henry".split()
START = datetime(2024, 11, 1, tzinfo=UTC)


def sentence(rng: random.Random, words: int) -> str:
    if rng.random() < 0.5:
        return "".join(rng.choice(ZH) for _ in range(max(1, words // 2))) + "。"
    return " ".join(rng.choice(EN) for _ in range(words)).capitalize() + "."


_POOL: list[str] = []


def pooled(rng: random.Random) -> str:
    """A sentence from a pool of 20,000 generated ones (generating each anew is slow)."""
    if not _POOL:
        pool_rng = random.Random(1)
        _POOL.extend(sentence(pool_rng, pool_rng.randint(6, 18)) for _ in range(20_000))
    return _POOL[rng.randrange(len(_POOL))]


def make_doc(rng: random.Random, n: int, owners: int) -> SearchDoc:
    owner = (
        min(int(rng.paretovariate(1.2)), owners) if rng.random() < 0.2 else rng.randint(1, owners)
    )
    sender = rng.choice(NAMES)
    body = " ".join(pooled(rng) for _ in range(rng.randint(3, 40)))
    attach = rng.random() < 0.15
    return SearchDoc(
        id=n,
        owner=owner,
        date=START + timedelta(seconds=rng.randint(0, 730 * 86400)),
        subject=sentence(rng, rng.randint(3, 9)),
        sender=f"{sender} {sender.lower()}{rng.randint(1, 99)}@corp.example",
        recipients=f"{rng.choice(NAMES)} team{rng.randint(1, 50)}@corp.example",
        body=body,
        attachments=f"report-{n}.xlsx\n{sentence(rng, 30)}" if attach else "",
        folder=rng.choice((1, 1, 1, 1, 2, 3, 6)),
        unread=rng.random() < 0.3,
        flagged=rng.random() < 0.05,
        has_attachment=attach,
    )


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def live_size(path: Path) -> int:
    """Bytes of the segments the index is made of now (``meta.json``): the directory also
    holds, for a while, segments a merge has replaced or a stopped merge left behind."""
    total = 0
    for meta in path.glob("*/meta.json"):
        live = {s["segment_id"].replace("-", "") for s in json.loads(meta.read_text())["segments"]}
        total += sum(
            f.stat().st_size for f in meta.parent.iterdir() if f.name.split(".")[0] in live
        )
    return total


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--owners", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--heap-mb", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=None, help="keep the index here")
    parser.add_argument("--skip-index", action="store_true", help="query an index kept in --dir")
    parser.add_argument("--sort", choices=[s.value for s in Sort], default=Sort.NEWEST.value)
    args = parser.parse_args()

    workdir = args.dir or Path(tempfile.mkdtemp(prefix="qiyou-search-bench-"))
    backend = TantivyBackend(workdir, heap=args.heap_mb * 1024 * 1024, threads=args.threads)
    await backend.open()
    rng = random.Random(42)
    try:
        text_bytes = 0
        gen_time = index_time = index_cpu = 0.0
        for start in range(0, 0 if args.skip_index else args.docs, args.batch):
            t0 = time.perf_counter()
            docs = [
                make_doc(rng, n, args.owners)
                for n in range(start + 1, min(args.docs, start + args.batch) + 1)
            ]
            text_bytes += sum(len(d.body.encode()) + len(d.subject.encode()) for d in docs)
            t1, c1 = time.perf_counter(), time.process_time()
            await backend.upsert(MAIL, docs)
            t2 = time.perf_counter()
            index_cpu += time.process_time() - c1
            gen_time += t1 - t0
            index_time += t2 - t1
            done = start + len(docs)
            if done % (args.batch * 10) == 0 or done == args.docs:
                print(f"  {done:>9,} indexed, {done / index_time:,.0f} docs/s", flush=True)
        await backend.release()
        size, live = dir_size(workdir), live_size(workdir)
        if args.skip_index:
            space = backend._space(MAIL)  # the kept index: how many documents it holds
            space.index.reload()
            args.docs = space.index.searcher().num_docs
        mb = text_bytes / 1e6
        print(f"documents: {args.docs:,} in {args.owners:,} mailboxes; text {mb:,.0f} MB")
        if index_time:
            rate = args.docs / index_time
            print(
                f"indexing: {index_time:,.1f} s, {rate:,.0f} docs/s (generation {gen_time:,.1f} s)"
            )
            print(f"indexing CPU: {index_cpu:,.1f} s, {args.docs / index_cpu:,.0f} docs per CPU s")
        print(
            f"index size: {live / 1e6:,.0f} MB ({live / args.docs:,.0f} bytes/doc) in its "
            f"segments; {size / 1e6:,.0f} MB ({size / args.docs:,.0f} bytes/doc) in the directory"
        )
        load = os.getloadavg()[0]
        print(f"load average (1 min) before queries: {load:.1f} on {os.cpu_count()} cores")

        qrng = random.Random(7)
        kinds = {
            "1-word": lambda: dict(text=qrng.choice(EN[:60])),
            "2-word": lambda: dict(text=f"{qrng.choice(EN[:60])} {qrng.choice(EN[:60])}"),
            "中文 2-char": lambda: dict(text=qrng.choice([w for w in ZH if len(w) == 2])),
            "filtered": lambda: dict(
                text=qrng.choice(EN[:60]),
                folder=1,
                unread=True,
                since=START + timedelta(days=qrng.randint(0, 600)),
                until=START + timedelta(days=qrng.randint(640, 730)),
            ),
        }
        for _ in range(20):  # warm up
            await backend.search(MAIL, SearchQuery(owner=1, text="meeting", sort=Sort(args.sort)))
        print(f"{'query':<12} {'p50 ms':>8} {'p99 ms':>8} {'mean hits':>10} {'CPU p50/p99 ms':>15}")
        for kind, make in kinds.items():
            times, cpu, totals = [], [], []
            for _ in range(args.queries):
                owner = (
                    min(int(qrng.paretovariate(1.2)), args.owners)
                    if qrng.random() < 0.2
                    else qrng.randint(1, args.owners)
                )
                query = SearchQuery(owner=owner, limit=20, sort=Sort(args.sort), **make())
                t0, c0 = time.perf_counter(), time.process_time()
                page = await backend.search(MAIL, query)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                totals.append(page.total)
            p50, p99, hits = statistics.median(times), pct(times, 99), statistics.mean(totals)
            c50, c99 = statistics.median(cpu), pct(cpu, 99)
            print(f"{kind:<12} {p50:>8.2f} {p99:>8.2f} {hits:>10.0f} {c50:>7.2f}/{c99:<7.2f}")
        # The biggest mailbox (owner 1 gets the Pareto head).
        big = await backend.count(MAIL, SearchQuery(owner=1))
        times = []
        for _ in range(args.queries):
            t0 = time.perf_counter()
            query = SearchQuery(owner=1, text=qrng.choice(EN[:60]), sort=Sort(args.sort))
            await backend.search(MAIL, query)
            times.append((time.perf_counter() - t0) * 1000)
        p50, p99 = statistics.median(times), pct(times, 99)
        print(f"1-word in the largest mailbox ({big:,} messages): p50 {p50:.2f}, p99 {p99:.2f} ms")
    finally:
        await backend.close()
        if args.dir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
