"""Translation benchmark: model load time and latency per 200-word English mail.

Uses the tiny EN→ZH test model (tests/data/translate/tiny-en_zh.argosmodel), installed into
a temporary data dir through the same code as ``qiyou translate install``, and the same
engine and text path the server runs (``mailcore.translate``): one worker thread, one
CTranslate2 intra-op thread, float32 compute. Target: < 50 ms per 200-word mail.

    .venv/bin/python bench/translate.py [--mails 50] [--threads 1]

Prints a summary and a last line of JSON with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailcore.translate.engine import Engine  # noqa: E402
from mailcore.translate.packages import install_package  # noqa: E402
from mailcore.translate.text import prepare  # noqa: E402
from tests.data.translate.corpus import pairs  # noqa: E402

FIXTURE = ROOT / "tests" / "data" / "translate" / "tiny-en_zh.argosmodel"


def make_mail(rng: random.Random, words: int = 200) -> tuple[str, int]:
    """An English mail of about ``words`` words in paragraphs of 2–4 known sentences."""
    sentences = [en for en, _ in pairs()]
    paragraphs, count = [], 0
    while count < words:
        para = " ".join(rng.choice(sentences) for _ in range(rng.randint(2, 4)))
        paragraphs.append(para)
        count += len(para.split())
    return "\n\n".join(paragraphs), count


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        pkg = install_package(data_dir, FIXTURE)
        engine = Engine(data_dir, args.threads)
        started = time.perf_counter()
        engine.load(pkg)
        load_s = time.perf_counter() - started
        mails = [make_mail(rng) for _ in range(args.mails)]
        latencies, cpu, words = [], [], []
        for text, count in mails:
            started, cpu_started = time.perf_counter(), time.process_time()
            doc = prepare(text)
            doc.render(engine.translate_units(pkg, doc.units()))
            latencies.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            words.append(count)
        engine.executor.shutdown()
    figures = {
        "model": pkg.model,
        "threads": args.threads,
        "mails": args.mails,
        "words_per_mail": round(statistics.mean(words), 1),
        "load_s": round(load_s, 3),
        "latency_p50_ms": round(percentile(latencies, 0.5), 1),
        "latency_p95_ms": round(percentile(latencies, 0.95), 1),
        "latency_max_ms": round(max(latencies), 1),
        "cpu_p50_ms": round(percentile(cpu, 0.5), 1),
        "cpu_p95_ms": round(percentile(cpu, 0.95), 1),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "target_ms": 50,
    }
    print(f"model {pkg.model}: loaded in {load_s:.2f} s (argostranslate + CTranslate2 + MiniSBD)")
    print(
        f"{args.mails} mails of ~{figures['words_per_mail']} words: "
        f"p50 {figures['latency_p50_ms']} ms, p95 {figures['latency_p95_ms']} ms, "
        f"max {figures['latency_max_ms']} ms (target < 50 ms); CPU p50 {figures['cpu_p50_ms']} ms, "
        f"p95 {figures['cpu_p95_ms']} ms; load average {figures['load_average_1m']}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
