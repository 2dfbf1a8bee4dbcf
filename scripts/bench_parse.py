"""Where `quality.check` spends its time on the dev pages: decode, parse, segment, classify.

    python scripts/bench_parse.py                       # stages, against lxml and Lexbor parse alone
    python scripts/bench_parse.py --ref 97be360         # also the segmenter as it was at a commit

Pinned to one CPU; every stage is timed page by page in CPU time over `--repeats` passes, and a
page's time is its median over the passes. The table gives the median and mean per page and each
stage's mean as a share of the whole `check`. `--ref` loads `quality/blocks.py` from a git commit
and times its `segment` on the same trees, after checking that it returns the same blocks.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os

# before scikit-learn loads: one CPU, one native thread
os.environ.setdefault("OMP_NUM_THREADS", "1")
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quality import corpus  # noqa: E402
from quality.blocks import segment  # noqa: E402
from quality.dom import parse, title_of  # noqa: E402
from quality.inputs import prepare  # noqa: E402


def per_page_times(fn, items, repeats: int) -> list[float]:
    """Each item's median CPU time in seconds over `repeats` passes."""
    # The inputs held here (trees, blocks) would make every full garbage collection walk them and
    # charge it to the stage timed; frozen objects are not walked.
    gc.collect()
    gc.freeze()
    clock = time.process_time
    runs = []
    for _ in range(repeats):
        one = []
        for item in items:
            t0 = clock()
            fn(item)
            one.append(clock() - t0)
        runs.append(one)
    return [statistics.median(col) for col in zip(*runs)]


def segment_at(ref: str):
    """`segment` from quality/blocks.py as committed at `ref`."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{ref}:quality/blocks.py"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location("quality._blocks_at_ref", f.name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.unlink(f.name)
    return module.segment


def _classify_parts(page_blocks: list, repeats: int) -> list[tuple[str, list[float]]]:
    """Rows for the two halves of classify: the feature matrix and the model's scores."""
    try:
        import numpy as np

        from quality.features import page_matrix
        from quality.model import load_model

        model = load_model()
        matrices = [
            (
                page_matrix(b, title=t),
                np.fromiter((len(x.text) for x in b), dtype=np.float64, count=len(b)),
            )
            for b, t in page_blocks
        ]
        return [
            (
                "  features.page_matrix",
                per_page_times(lambda bt: page_matrix(bt[0], title=bt[1]), page_blocks, repeats),
            ),
            (
                "  model scores (both passes)",
                per_page_times(lambda xc: model.article_scores(*xc), matrices, repeats),
            ),
        ]
    except (
        ImportError,
        AttributeError,
        TypeError,
    ) as exc:  # the model's internals moved: say so, keep the rest
        print(f"no feature/model split: {exc}", file=sys.stderr)
        return []


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="dev")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument(
        "--cpu", type=int, help="the CPU to pin to (default: the last one this process may use)"
    )
    ap.add_argument(
        "--ref", help="also time quality/blocks.py's segment as it was at this git commit"
    )
    ap.add_argument("--no-model", action="store_true", help="leave out the classify and check rows")
    args = ap.parse_args(argv)
    os.sched_setaffinity(0, {args.cpu if args.cpu is not None else max(os.sched_getaffinity(0))})

    raws = [p.html.read_bytes() for p in corpus.manifest() if p.split == args.split]
    texts = [prepare(r).text or "" for r in raws]
    trees = [parse(t).root for t in texts]
    roots = [r for r in trees if r is not None]
    rows: list[tuple[str, list[float]]] = []

    from lxml import etree

    parser = etree.HTMLParser(
        huge_tree=True, remove_comments=True, remove_pis=True, no_network=True
    )
    rows.append(
        (
            "lxml parse alone",
            per_page_times(
                lambda t: etree.fromstring(t, parser) if t else None, texts, args.repeats
            ),
        )
    )
    try:
        from selectolax.lexbor import LexborHTMLParser

        rows.append(("Lexbor parse alone", per_page_times(LexborHTMLParser, texts, args.repeats)))
    except ImportError:
        print("selectolax not installed: no Lexbor row", file=sys.stderr)
    rows.append(("prepare (decode, guards)", per_page_times(prepare, raws, args.repeats)))
    rows.append(("dom.parse", per_page_times(parse, texts, args.repeats)))
    rows.append(("blocks.segment", per_page_times(segment, roots, args.repeats)))
    if args.ref:
        old = segment_at(args.ref)
        same = sum(old(r) == segment(r) for r in roots)
        print(
            f"segment at {args.ref}: same blocks on {same} of {len(roots)} pages", file=sys.stderr
        )
        rows.append((f"blocks.segment at {args.ref}", per_page_times(old, roots, args.repeats)))
    rows.append(
        (
            "dom.parse + segment",
            per_page_times(lambda t: segment(parse(t).root) if t else None, texts, args.repeats),
        )
    )
    rows.append(("title_of", per_page_times(title_of, roots, args.repeats)))
    if not args.no_model:
        import quality
        from quality.model import classify

        page_blocks = [(segment(r), title_of(r)) for r in roots]
        page_blocks = [bt for bt in page_blocks if bt[0]]
        classify(page_blocks[0][0], title=page_blocks[0][1])  # loads the model outside the timing
        rows.append(
            (
                "model.classify",
                per_page_times(lambda bt: classify(bt[0], title=bt[1]), page_blocks, args.repeats),
            )
        )
        rows += _classify_parts(page_blocks, args.repeats)
        rows.append(("quality.check (bytes)", per_page_times(quality.check, raws, args.repeats)))
        rows.append(
            ("quality.extract (bytes)", per_page_times(quality.extract, raws, args.repeats))
        )

    whole = dict(rows).get("quality.check (bytes)")
    whole_mean = statistics.fmean(whole) if whole else None
    print(
        f"{len(raws)} {args.split} pages ({len(roots)} parsed), {args.repeats} passes, one CPU, CPU time\n"
    )
    print("| stage | median ms/page | mean ms/page | pages/s (mean) | share of check |")
    print("|---|---|---|---|---|")
    for name, times in rows:
        mean = statistics.fmean(times)
        share = f"{mean / whole_mean:.0%}" if whole_mean else "-"
        print(
            f"| {name} | {statistics.median(times) * 1e3:.3f} | {mean * 1e3:.3f} | {1 / mean:.0f} | {share} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
