"""Time `quality.check` on the dev pages, stage by stage, and optionally profile it.

    python scripts/profile_check.py [--profile] [--split dev]

Prints the median and mean milliseconds per page of decode+parse, segment, features, model, the
whole `check` and the whole `extract` (no low-quality stage), on one core (run with OMP_NUM_THREADS=1 to keep the model's predictions on one).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time

import quality
from quality import corpus
from quality.blocks import segment
from quality.dom import parse, title_of
from quality.features import page_matrix
from quality.inputs import prepare
from quality.model import classify, load_model


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    raw = [p.html.read_bytes() for p in corpus.pages(args.split)]
    load_model()
    quality.check(raw[0])  # warm caches: word lists, regexes, the model
    stages: dict[str, list[float]] = {k: [] for k in ("parse", "segment", "features", "classify", "check", "extract")}
    for data in raw:
        t0 = time.perf_counter()
        parsed = parse(prepare(data).text or "")
        t1 = time.perf_counter()
        blocks = segment(parsed.root) if parsed.root is not None else []
        t2 = time.perf_counter()
        title = title_of(parsed.root) if parsed.root is not None else ""
        page_matrix(blocks, title=title)
        t3 = time.perf_counter()
        if blocks:
            classify(blocks, title=title)
        t4 = time.perf_counter()
        quality.check(data)
        t5 = time.perf_counter()
        quality.extract(data)
        t6 = time.perf_counter()
        for k, v in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)):
            v and stages[k].append(v * 1000)
    print(f"{len(raw)} {args.split} pages, ms per page (classify includes its features)")
    for k, v in stages.items():
        print(f"{k:<10} median {statistics.median(v):7.2f}  mean {statistics.mean(v):7.2f}")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for data in raw:
            quality.check(data)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
