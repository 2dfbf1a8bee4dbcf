"""Time `quality.check` on the dev pages, stage by stage, and optionally profile it.

    python scripts/profile_check.py [--profile] [--split dev]

Prints the median and mean milliseconds per page of decode+parse, segment, features, model, the
whole `check` and the whole `extract` (no low-quality stage), on one core (run with OMP_NUM_THREADS=1
to keep the model's predictions on one). Times are CPU time (the machine is shared: wall time would
charge other programs' turns), and a page's time is its median over `--repeats` passes.
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
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    raw = [p.html.read_bytes() for p in corpus.pages(args.split)]
    load_model()
    quality.check(raw[0])  # warm caches: word lists, regexes, the model
    names = ("parse", "segment", "features", "classify", "check", "extract")
    clock = time.process_time
    passes = []
    for _ in range(args.repeats):
        rows = []
        for data in raw:
            t0 = clock()
            parsed = parse(prepare(data).text or "")
            t1 = clock()
            blocks = segment(parsed.root) if parsed.root is not None else []
            t2 = clock()
            title = title_of(parsed.root) if parsed.root is not None else ""
            page_matrix(blocks, title=title)
            t3 = clock()
            if blocks:
                classify(blocks, title=title)
            t4 = clock()
            quality.check(data)
            t5 = clock()
            quality.extract(data)
            t6 = clock()
            rows.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5))
        passes.append(rows)
    per_page = [[statistics.median(p[i][k] for p in passes) * 1000 for i in range(len(raw))] for k in range(len(names))]
    print(f"{len(raw)} {args.split} pages, CPU ms per page, median of {args.repeats} passes (classify includes its features)")
    for k, v in zip(names, per_page):
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
