"""Train the clickbait headline scorer and write models/clickbait.joblib.

python scripts/train_clickbait.py            # trains on 80 % of the headlines, reports the held-apart 20 %
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_spin import data_root  # noqa: E402

from quality.signals.clickbait import N_FEATURES, ClickbaitModel, hashed, headline_features  # noqa: E402

SEED = 20161  # fixed: the held-apart 20 % is the same on every run
DEV_SHARE = 0.2
C = 16.0  # inverse regularisation, picked on a slice of the training part (1, 4, 16, 64 tried)


def headlines() -> list[tuple[str, int]]:
    """(headline, 1 if clickbait) for every line of the clickbait set, in file order."""
    folder = data_root() / "clickbait"
    pairs = []
    for name, label in (("clickbait.txt", 1), ("not_clickbait.txt", 0)):
        for line in (folder / name).read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip():
                pairs.append((line.strip(), label))
    return pairs


def split() -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The training part and the fixed-seed held-apart 20 % of the headlines."""
    pairs = headlines()
    order = np.random.RandomState(SEED).permutation(len(pairs))
    cut = int(len(pairs) * DEV_SHARE)
    return [pairs[i] for i in order[cut:]], [pairs[i] for i in order[:cut]]


def matrix(texts: list[str]) -> sp.csr_matrix:
    """Hashed feature rows for many headlines."""
    rows, cols, vals = [], [], []
    for r, text in enumerate(texts):
        index, values = hashed(headline_features(text))
        rows.extend([r] * len(index))
        cols.extend(index.tolist())
        vals.extend(values.tolist())
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), N_FEATURES))


def fit(pairs: list[tuple[str, int]], c: float = C) -> ClickbaitModel:
    """A logistic model over the hashed features of labelled headlines."""
    X = matrix([t for t, _ in pairs])
    y = np.array([label for _, label in pairs])
    clf = LogisticRegression(C=c, solver="liblinear", random_state=0, max_iter=1000).fit(X, y)
    return ClickbaitModel(weights=clf.coef_[0].astype(np.float32), bias=float(clf.intercept_[0]))


def main(argv: list[str] | None = None) -> int:
    """Train, report held-apart accuracy (as written, lower-cased, title-cased) and save the model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "clickbait.joblib")
    parser.add_argument(
        "--tune", action="store_true", help="compare C values on a slice of the training part"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from eval_signals import clickbait_accuracy

    train, dev = split()
    if args.tune:
        inner, check = train[: int(len(train) * 0.8)], train[int(len(train) * 0.8) :]
        for c in (1.0, 4.0, 16.0, 64.0):
            print(
                f"C={c}: inner-check accuracy {clickbait_accuracy(fit(inner, c), check)['as_written']:.4f}"
            )
    model = fit(train)
    for name, accuracy in clickbait_accuracy(model, dev).items():
        print(f"held-apart accuracy ({name}): {accuracy:.4f}  n={len(dev)}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, args.out, compress=3)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
