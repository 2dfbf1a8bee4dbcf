"""Compare classifier kinds on the dev split: `python scripts/compare_models.py [--kinds hgb lr et rf]`.

Builds the train and dev tables once (cached under $TMPDIR), fits each kind with and without the
second pass, and prints main-text F1 per set and L3S block F1 for each.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import joblib
import numpy as np

from quality import corpus
from quality.evaluation import evaluate, format_table
from quality.features import page_matrix
from quality.train import Table, build_table, fit


def cached_table(split: str):
    path = Path(os.environ.get("TMPDIR", tempfile.gettempdir())) / f"quality-table-{split}.joblib"
    if path.exists():
        return Table(**joblib.load(path))
    table = build_table(corpus.pages(split))
    joblib.dump(vars(table), path)
    return table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kinds", nargs="+", default=["hgb", "lr", "et", "rf"])
    ap.add_argument("--second", choices=["no", "yes", "both"], default="both")
    args = ap.parse_args()
    train = cached_table("train")
    dev_pages = corpus.pages("dev")
    print(f"train: {len(train.pages)} pages, {len(train.y)} blocks")
    for kind in args.kinds:
        for second in {"no": (False,), "yes": (True,), "both": (False, True)}[args.second]:
            t = time.time()
            model = fit(train, kind, second=second)

            def labeller(blocks, title, model=model):
                X = page_matrix(blocks, title=title)
                chars = np.fromiter(
                    (len(b.text) for b in blocks), dtype=np.float64, count=len(blocks)
                )
                return model.article_scores(X, chars)[1] >= 0.5

            rows = evaluate(dev_pages, labeller)
            print(f"\n== {kind} second_pass={second} (fit {time.time() - t:.0f}s)")
            print(format_table(rows))


if __name__ == "__main__":
    main()
