"""Check that a speed change left blocks, features and labels as they were, page by page.

    python scripts/check_invariants.py --save /tmp/ref.pkl          # at the reference commit
    python scripts/check_invariants.py --against /tmp/ref.pkl       # after the change

For every page of the splits (default dev and train) it records the blocks `segment` returns, the
block feature matrix `page_matrix` builds, the text `extract` returns, and, on the dev split, what `check` says: the page label,
each block's label and low-quality score. Compared against a saved run, blocks must be equal, the
matrix equal (or within `--atol` when float order changed), and every label difference is listed.
The reference file holds derived numbers and block texts of the dataset pages: keep it out of git.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import quality
from quality import corpus
from quality.blocks import segment
from quality.dom import parse, title_of
from quality.features import page_matrix
from quality.inputs import prepare


def record(page: corpus.Page, with_labels: bool) -> dict:
    """What the invariants compare for one page."""
    data = page.html.read_bytes()
    parsed = parse(prepare(data).text or "")
    blocks = segment(parsed.root) if parsed.root is not None else []
    title = title_of(parsed.root) if parsed.root is not None else ""
    out = {
        "blocks": blocks,
        "matrix": page_matrix(blocks, title=title),
        "extract": quality.extract(data),
    }
    if with_labels:
        report = quality.check(data)
        out["page_label"] = report.label.value
        out["block_labels"] = tuple(b.label.value for b in report.blocks)
        out["lowq"] = np.array([b.scores["low_quality"] for b in report.blocks])
        out["reasons"] = (report.reasons, tuple(b.reasons for b in report.blocks))
        out["scores"] = np.array(
            [list(report.scores.values())] + [list(b.scores.values()) for b in report.blocks]
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", default="dev,train")
    ap.add_argument("--labels-on", default="dev", help="splits whose check labels are compared too")
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path)
    group.add_argument("--against", type=Path)
    ap.add_argument("--atol", type=float, default=0.0, help="feature tolerance (0: exactly equal)")
    args = ap.parse_args(argv)
    label_splits = set(args.labels_on.split(","))
    pages = [p for p in corpus.manifest() if p.split in args.splits.split(",")]
    current = {(p.set, p.id): record(p, p.split in label_splits) for p in pages}
    if args.save:
        with open(args.save, "wb") as f:
            pickle.dump(current, f, protocol=pickle.HIGHEST_PROTOCOL)
        print(f"saved {len(current)} pages to {args.save}")
        return 0
    with open(args.against, "rb") as f:
        ref = pickle.load(f)
    bad_blocks = bad_matrix = bad_text = 0
    worst = 0.0
    label_diffs: list[str] = []
    lowq_moved = reasons_moved = 0
    worst_score = 0.0
    for key, now in current.items():
        old = ref[key]
        if "extract" in old and now["extract"] != old["extract"]:
            bad_text += 1
            print(f"extract text differs: {key}")
        if now["blocks"] != old["blocks"]:
            bad_blocks += 1
            print(f"blocks differ: {key}")
        a, b = now["matrix"], old["matrix"]
        if a.shape != b.shape:
            bad_matrix += 1
            print(f"matrix shape differs: {key} {a.shape} vs {b.shape}")
        elif not np.array_equal(a, b):
            diff = float(np.abs(a - b).max())
            worst = max(worst, diff)
            if diff > args.atol:
                bad_matrix += 1
                print(f"matrix differs: {key} by up to {diff:.3g}")
        if "page_label" in now and "page_label" in old:
            if now["page_label"] != old["page_label"]:
                label_diffs.append(f"page {key}: {old['page_label']} -> {now['page_label']}")
            for k, (x, y) in enumerate(zip(old["block_labels"], now["block_labels"])):
                if x != y:
                    label_diffs.append(f"block {key}#{k}: {x} -> {y}")
            if now["lowq"].shape != old["lowq"].shape or not np.allclose(
                now["lowq"], old["lowq"], atol=1e-9
            ):
                lowq_moved += 1
            if "reasons" in now and "reasons" in old:
                if now["reasons"] != old["reasons"]:
                    reasons_moved += 1
                    print(f"reasons differ: {key}")
                if now["scores"].shape == old["scores"].shape:
                    diff = float(np.abs(now["scores"] - old["scores"]).max(initial=0.0))
                    worst_score = max(worst_score, diff)
    print(
        f"{len(current)} pages: blocks differ on {bad_blocks}, features differ on {bad_matrix} "
        f"(largest difference {worst:.3g}, tolerance {args.atol:g}), extract text on {bad_text}"
    )
    print(f"labels: {len(label_diffs)} differences; low-quality scores moved on {lowq_moved} pages")
    print(
        f"reasons differ on {reasons_moved} pages; page and block scores differ by up to "
        f"{worst_score:.3g}"
    )
    for line in label_diffs:
        print("  " + line)
    return 1 if bad_blocks or bad_matrix or bad_text else 0


if __name__ == "__main__":
    sys.exit(main())
