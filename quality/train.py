"""Train the block model on the `train` split of every page set: `python -m quality.train`.

Deterministic: pages in manifest order, `random_state` on every estimator and fold. The second pass is
fitted on out-of-fold first-pass scores (folds by page), so it learns from scores like those it will
see on unseen pages, not from the first pass's memory of its own training blocks.
"""

from __future__ import annotations

import argparse
import logging
import platform
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import corpus
from .features import FEATURE_NAMES, page_matrix
from .model import MODEL_NAME, BlockModel, second_pass_features

log = logging.getLogger(__name__)

RANDOM_STATE = 0
FOLDS = 4


@dataclass
class Table:
    """Training rows of many pages: features, labels and which page each row came from."""

    X: np.ndarray
    y: np.ndarray  # 1 article, 0 not
    l3s_class: np.ndarray  # -1 where the set has no L3S classes
    page: np.ndarray  # row's page number in `pages`
    chars: np.ndarray
    pages: list[corpus.Page]


def build_table(pages: list[corpus.Page]) -> Table:
    """Features and aligned labels of every block of the pages."""
    Xs, ys, cls, pg, ch, kept = [], [], [], [], [], []
    for page in pages:
        blocks, title = corpus.page_blocks(page)
        if not blocks:
            continue
        labels = corpus.label_blocks(blocks, corpus.gold_words(page), l3s=page.gold_format == "l3s-spans")
        k = len(kept)
        kept.append(page)
        Xs.append(page_matrix(blocks, title=title))
        ys.append(np.asarray(labels.article, dtype=np.int8))
        cls.append(np.asarray(labels.l3s_class, dtype=np.int8))
        pg.append(np.full(len(blocks), k, dtype=np.int32))
        ch.append(np.fromiter((len(b.text) for b in blocks), dtype=np.float64, count=len(blocks)))
    return Table(np.vstack(Xs), np.concatenate(ys), np.concatenate(cls), np.concatenate(pg), np.concatenate(ch), kept)


def make_estimator(kind: str = "hgb"):
    """A fresh unfitted classifier of the chosen kind."""
    from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "hgb":
        return HistGradientBoostingClassifier(
            max_iter=150, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=40,
            l2_regularization=1.0, random_state=RANDOM_STATE,
        )
    if kind == "lr":
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000, random_state=RANDOM_STATE))
    if kind == "et":
        return ExtraTreesClassifier(n_estimators=100, min_samples_leaf=3, n_jobs=1, random_state=RANDOM_STATE)
    if kind == "rf":
        return RandomForestClassifier(n_estimators=100, min_samples_leaf=3, max_features="sqrt", n_jobs=1, random_state=RANDOM_STATE)
    raise ValueError(f"unknown estimator kind {kind!r}")


def sample_weight(table: Table) -> np.ndarray:
    """Weight rows by text length (the main-text metric counts words) and each set equally."""
    w = np.log1p(table.chars)
    sets = np.array([p.set.split("-")[0] for p in table.pages])[table.page]
    names = np.unique(sets)
    total = w.sum()
    for s in names:
        mask = sets == s
        w[mask] *= total / (len(names) * w[mask].sum())
    return w / w.mean()


def out_of_fold_scores(table: Table, kind: str, weight: np.ndarray) -> np.ndarray:
    """First-pass article scores of every row from a model that did not see its page."""
    from sklearn.model_selection import GroupKFold

    p = np.zeros(len(table.y))
    for train_idx, test_idx in GroupKFold(n_splits=FOLDS).split(table.X, table.y, table.page):
        est = make_estimator(kind).fit(table.X[train_idx], table.y[train_idx], **_fit_kw(kind, weight[train_idx]))
        p[test_idx] = est.predict_proba(table.X[test_idx])[:, 1]
    return p


def _fit_kw(kind: str, weight: np.ndarray) -> dict:
    if kind == "lr":
        return {"logisticregression__sample_weight": weight}
    return {"sample_weight": weight}


def second_pass_matrix(table: Table, p1: np.ndarray) -> np.ndarray:
    """The rows' features with the second-pass columns of their own page appended."""
    extra = np.zeros((len(p1), 0))
    parts = []
    for k in range(len(table.pages)):
        idx = np.flatnonzero(table.page == k)
        parts.append(second_pass_features(p1[idx], table.chars[idx]))
    extra = np.vstack(parts) if parts else extra
    return np.hstack([table.X, extra])


def fit(table: Table, kind: str = "hgb", second: bool = True) -> BlockModel:
    """Fit both passes on a table."""
    weight = sample_weight(table)
    first = make_estimator(kind).fit(table.X, table.y, **_fit_kw(kind, weight))
    second_est = None
    if second:
        p1 = out_of_fold_scores(table, kind, weight)
        second_est = make_estimator("hgb").fit(second_pass_matrix(table, p1), table.y, sample_weight=weight)
    return BlockModel(first, second_est, FEATURE_NAMES, versions=versions())


def versions() -> dict[str, str]:
    """Library versions the model was trained with."""
    import joblib
    import lxml.etree
    import sklearn

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
        "lxml": ".".join(map(str, lxml.etree.LXML_VERSION)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quality.train", description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="hgb", choices=["hgb", "lr", "et", "rf"])
    parser.add_argument("--no-second-pass", action="store_true")
    parser.add_argument("--save-table", type=Path, help="also save the training table here (for experiments)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "models" / MODEL_NAME)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import joblib

    table = build_table(corpus.pages("train"))
    if args.save_table:
        joblib.dump(vars(table), args.save_table)  # a dict: loadable without this module as __main__
    log.info("train: %d pages, %d blocks, %.1f%% article", len(table.pages), len(table.y), 100 * table.y.mean())
    model = fit(table, args.kind, second=not args.no_second_pass)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, args.out, compress=3)
    log.info("wrote %s (%.1f MB)", args.out, args.out.stat().st_size / 1e6)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
