"""Train the block model on the `train` split of every page set: `python -m quality.train`.

Deterministic: pages in manifest order, `random_state` on every estimator and fold. The second pass is
fitted on out-of-fold first-pass scores (folds by page), so it learns from scores like those it will
see on unseen pages, not from the first pass's memory of its own training blocks.
"""

from __future__ import annotations

import argparse
import logging
import platform
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import corpus
from .features import FEATURE_NAMES, page_matrix
from .model import MODEL_NAME, SECOND_PASS_BAND, BlockModel, second_pass_features
from .records import Block

log = logging.getLogger(__name__)

RANDOM_STATE = 0
FOLDS = 4
# 0.3 gave the best mean dev main-text F1, but only by 0.001 over 0.5 (models/blocks.md), and it
# labels 10 of the 34 L3S dev related-post teasers article where 0.5 labels 3: teasers must go.
ARTICLE_THRESHOLD = 0.5
# the committed model's second pass (`fit` alone defaults to the first's kind)
SECOND_KIND = "hgb_small"


@dataclass
class Table:
    """Training rows of many pages: features, labels and which page each row came from."""

    X: np.ndarray
    y: np.ndarray  # 1 article, 0 not
    l3s_class: np.ndarray  # -1 where the set has no L3S classes
    page: np.ndarray  # row's page number in `pages`
    chars: np.ndarray
    pages: list[corpus.Page]
    group: np.ndarray  # row's source page: a page and its article-removed copy share it, for folds


# every third page also trains as a copy with its article cut out: no article at all
REMOVED_EVERY = 3


def without_article(blocks: list[Block], article: Sequence[bool]) -> list[Block]:
    """The page's blocks with the article's blocks removed, re-indexed: a page with no article."""
    kept = [b for b, a in zip(blocks, article) if not a]
    return [replace(b, index=i) for i, b in enumerate(kept)]


def build_table(pages: list[corpus.Page], removed_every: int = REMOVED_EVERY) -> Table:
    """Features and aligned labels of every block of the pages, plus article-removed copies."""
    Xs, ys, cls, pg, ch, kept, grp = [], [], [], [], [], [], []

    def add(page, blocks, title, article, classes, source):
        k = len(kept)
        kept.append(page)
        Xs.append(page_matrix(blocks, title=title))
        ys.append(np.asarray(article, dtype=np.int8))
        cls.append(np.asarray(classes, dtype=np.int8))
        pg.append(np.full(len(blocks), k, dtype=np.int32))
        grp.append(np.full(len(blocks), source, dtype=np.int32))
        ch.append(np.fromiter((len(b.text) for b in blocks), dtype=np.float64, count=len(blocks)))

    for source, page in enumerate(pages):
        blocks, title = corpus.page_blocks(page)
        if not blocks:
            continue
        labels = corpus.page_labels(page, blocks)
        add(page, blocks, title, labels.article, labels.l3s_class, source)
        if removed_every and source % removed_every == 0 and any(labels.article):
            rest = without_article(blocks, labels.article)
            if rest:
                classes = [c for c, a in zip(labels.l3s_class, labels.article) if not a]
                add(page, rest, title, [False] * len(rest), classes, source)
    return Table(
        np.vstack(Xs),
        np.concatenate(ys),
        np.concatenate(cls),
        np.concatenate(pg),
        np.concatenate(ch),
        kept,
        np.concatenate(grp),
    )


def make_estimator(kind: str = "hgb"):
    """A fresh unfitted classifier of the chosen kind."""
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "hgb":
        # Few deep trees: prediction costs a fixed ~2.4 microseconds a tree plus its depth per row, and
        # 40 trees of 127 leaves matched 150 of 31 in dev F1 (models/blocks.md) at a third of the cost.
        return HistGradientBoostingClassifier(
            max_iter=40,
            learning_rate=0.25,
            max_leaf_nodes=127,
            min_samples_leaf=40,
            l2_regularization=1.0,
            random_state=RANDOM_STATE,
        )
    if kind == "hgb_small":  # the second pass: it sees only the blocks the first is unsure of
        return HistGradientBoostingClassifier(
            max_iter=30,
            learning_rate=0.2,
            max_depth=5,
            max_leaf_nodes=31,
            min_samples_leaf=40,
            l2_regularization=1.0,
            random_state=RANDOM_STATE,
        )
    if kind == "lr":
        return make_pipeline(
            StandardScaler(), LogisticRegression(C=1.0, max_iter=2000, random_state=RANDOM_STATE)
        )
    if kind == "et":
        return ExtraTreesClassifier(
            n_estimators=100, min_samples_leaf=3, n_jobs=1, random_state=RANDOM_STATE
        )
    if kind == "rf":
        return RandomForestClassifier(
            n_estimators=100,
            min_samples_leaf=3,
            max_features="sqrt",
            n_jobs=1,
            random_state=RANDOM_STATE,
        )
    raise ValueError(f"unknown estimator kind {kind!r}")


def sample_weight(table: Table) -> np.ndarray:
    """Weight rows by text length (the main-text metric counts words) and each set equally."""
    w = np.log1p(table.chars)
    sets = np.array([p.set.split("-")[0] for p in table.pages])[
        table.page
    ]  # cleaneval-dev/final as one
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
    for train_idx, test_idx in GroupKFold(n_splits=FOLDS).split(table.X, table.y, table.group):
        est = make_estimator(kind).fit(
            table.X[train_idx], table.y[train_idx], **_fit_kw(kind, weight[train_idx])
        )
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


def fit(
    table: Table,
    kind: str = "hgb",
    second: bool = True,
    lowq_pages: list[corpus.Page] | None = None,
    second_kind: str | None = None,
    threshold: float = 0.5,
    spin_folds: Path | None = None,
) -> BlockModel:
    """Fit both passes on a table, and the low-quality stage (see `fit_lowq` for spin_folds)."""
    lowq, use_spin = fit_lowq(lowq_pages, spin_folds) if lowq_pages else (None, False)
    if lowq is not None:
        from .stage import export

        lowq = export(lowq)  # plain arrays: the model file loads on other library versions
    weight = sample_weight(table)
    first = make_estimator(kind).fit(table.X, table.y, **_fit_kw(kind, weight))
    second_est = None
    if second:
        p1 = out_of_fold_scores(table, kind, weight)
        second_kind = second_kind or kind
        # Fitted on the rows it will see: those whose first-pass score falls in the band it re-scores.
        unsure = (p1 > SECOND_PASS_BAND[0]) & (p1 < SECOND_PASS_BAND[1])
        second_est = make_estimator(second_kind).fit(
            second_pass_matrix(table, p1)[unsure],
            table.y[unsure],
            **_fit_kw(second_kind, weight[unsure]),
        )
    return BlockModel(
        first,
        second_est,
        FEATURE_NAMES,
        versions=versions(),
        lowq=lowq,
        lowq_uses_spin=use_spin,
        article_threshold=threshold,
    )


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
    parser = argparse.ArgumentParser(prog="quality train", description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="hgb", choices=["hgb", "hgb_small", "lr", "et", "rf"])
    parser.add_argument("--second-kind", default=SECOND_KIND, choices=["hgb", "hgb_small", "lr"])
    parser.add_argument(
        "--threshold",
        type=float,
        default=ARTICLE_THRESHOLD,
        help="second-pass score from which a block is article",
    )
    parser.add_argument("--no-second-pass", action="store_true")
    parser.add_argument("--no-low-quality", action="store_true", help="skip the low_quality stage")
    parser.add_argument(
        "--table", type=Path, help="reuse a table saved with --save-table (experiments)"
    )
    parser.add_argument(
        "--save-table", type=Path, help="also save the training table here (for experiments)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[1] / "models" / MODEL_NAME
    )
    parser.add_argument(
        "--spin-folds",
        type=Path,
        help="folder of the spin model's fold models (train_spin.py --stage-folds): the low-quality "
        "stage then learns from spin scores of counts that never saw the page",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import joblib

    table = (
        build_table(corpus.pages("train"))
        if args.table is None
        else Table(**joblib.load(args.table))
    )
    if args.save_table:
        # a dict: loadable without this module as __main__
        joblib.dump(vars(table), args.save_table)
    log.info(
        "train: %d pages, %d blocks, %.1f%% article",
        len(table.pages),
        len(table.y),
        100 * table.y.mean(),
    )
    pages = corpus.pages("train")
    model = fit(
        table,
        args.kind,
        second=not args.no_second_pass,
        lowq_pages=None if args.no_low_quality else pages,
        second_kind=args.second_kind,
        threshold=args.threshold,
        spin_folds=args.spin_folds,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(_without_fit_state(model), args.out, compress=3)
    log.info("wrote %s (%.1f MB)", args.out, args.out.stat().st_size / 1e6)
    return 0


def _without_fit_state(model: BlockModel) -> BlockModel:
    """The model without what only fitting reads: gradient boosting keeps a numpy Generator for its
    feature subsampling, and a Generator pickled by numpy 2 does not unpickle on numpy 1.x, which
    pyproject.toml still supports (predictions do not read it)."""
    for estimator in (model.first, model.second):
        if estimator is not None:
            vars(estimator).pop("_feature_subsample_rng", None)
    return model


LOWQ_PAGE_EVERY = 4  # pages sampled for the low-quality stage
LOWQ_BLOCKS = 3  # article blocks (and as many other prose blocks) taken per sampled page
LOWQ_MIN_WORDS = 12


def spin_available() -> bool:
    """Whether the signals' spin model is there to use as a feature."""
    try:
        from .signals import spin_scores

        spin_scores(["The ferry left the pier on Monday morning with forty passengers aboard."])
        return True
    except Exception:  # no model file yet, or the signals package is incomplete
        return False


def lowq_examples(
    pages: list[corpus.Page], every: int = LOWQ_PAGE_EVERY
) -> tuple[list[str], list[str], list[int], list[str]]:
    """Clean block texts and degraded copies of article blocks: (texts, languages, 1 when degraded,
    the page's key "set/id")."""
    import random

    from .augment import KINDS, degrade
    from .features.page import page_data

    rng = random.Random(RANDOM_STATE)
    texts, langs, ys, keys = [], [], [], []
    for source, page in enumerate(pages):
        if source % every:
            continue
        blocks, _ = corpus.page_blocks(page)
        if not blocks:
            continue
        labels = corpus.page_labels(page, blocks)
        lang = page_data(blocks).lang or "en"
        long = [b for b in blocks if b.n_words >= LOWQ_MIN_WORDS and b.link_chars < len(b.text) / 2]
        article = [b for b in long if labels.article[b.index]][:LOWQ_BLOCKS]
        other = [b for b in long if not labels.article[b.index]][:LOWQ_BLOCKS]
        key = page.key
        for b in article + other:
            texts.append(b.text), langs.append(lang), ys.append(0), keys.append(key)
        if lang != "en":
            continue  # the spinner and the stuffing keywords are English
        for k, b in enumerate(article):
            texts.append(degrade(b.text, KINDS[(source // every + k) % len(KINDS)], rng))
            langs.append(lang), ys.append(1), keys.append(key)
    return texts, langs, ys, keys


LOWQ_KNOTS = 5  # spline knots per low-quality feature: its effect need not be a straight line
LOWQ_C = 0.1  # inverse regularisation: ~60 spline columns fitted loosely let clean text score high
SPIN_CLIP = 1e-4  # the spin score is clipped to [SPIN_CLIP, 1 - SPIN_CLIP] before its log-odds


def lowq_estimator(n_features: int, use_spin: bool):
    """The low-quality stage's estimator: splines of the lowq features, spin as is and as log-odds.

    The stage is additive: each lowq feature through a cubic spline (5-fold CV AUC 0.981, not 0.970
    for the plain features), and the spin score both as is and as its log-odds, so that a short text
    scoring 0.999 counts for more than one at 0.95 (all training texts above 0.99 are degraded).
    Both spin columns increase with the score, so the stage rises with spin while their
    weights are not negative (`model._rises_with_spin` checks). Degraded texts are weighted up to
    balance the classes, which catches more degraded pages at the same false-alarm rate.
    """
    from scipy.special import logit
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, SplineTransformer, StandardScaler

    n_lowq = n_features - 1 if use_spin else n_features
    columns = [("lowq", SplineTransformer(n_knots=LOWQ_KNOTS, degree=3), list(range(n_lowq)))]
    if use_spin:
        log_odds = make_pipeline(
            FunctionTransformer(np.clip, kw_args={"a_min": SPIN_CLIP, "a_max": 1.0 - SPIN_CLIP}),
            FunctionTransformer(logit),
        )
        columns += [("spin", "passthrough", [n_lowq]), ("spin_log_odds", log_odds, [n_lowq])]
    return make_pipeline(
        ColumnTransformer(columns),
        StandardScaler(),
        LogisticRegression(
            C=LOWQ_C, class_weight="balanced", max_iter=5000, random_state=RANDOM_STATE
        ),
    )


def fit_lowq(pages: list[corpus.Page], spin_folds: Path | None = None) -> tuple[object, bool]:
    """The low-quality stage: an additive logistic model on the lowq features (and spin).

    The spin model counted the train pages' text, so on them it scores clean text as more fluent
    than on a page it never saw. With spin_folds (the fold models `scripts/train_spin.py
    --stage-folds` writes), each text's spin column comes from the model whose counts left its
    page out, so the stage learns the scores `check` will meet.
    """
    use_spin = spin_available()
    texts, langs, ys, keys = lowq_examples(pages)
    from .features.lowq import features

    X = np.vstack([features([t], lang) for t, lang in zip(texts, langs)])
    if use_spin:
        X = np.hstack([X, _stage_spin(texts, keys, spin_folds)[:, None]])
    est = lowq_estimator(X.shape[1], use_spin)
    est.fit(X, np.asarray(ys))
    log.info(
        "low-quality stage: %d texts (%d degraded), spin feature %s",
        len(ys),
        sum(ys),
        "on" if use_spin else "off",
    )
    return est, use_spin


def _stage_spin(texts: list[str], keys: list[str], spin_folds: Path | None) -> np.ndarray:
    """Each text's spin score, from its page's fold model when spin_folds is given."""
    from .signals import spin

    if spin_folds is None:
        log.warning(
            "low-quality stage: spin scores from the shipped spin model, which counted these pages: "
            "the stage will not match the committed one (models/blocks.md, session 6); pass "
            "--spin-folds with the folder train_spin.py --stage-folds wrote"
        )
        return np.array(spin.spin_scores(texts))
    import joblib

    paths = spin_fold_paths(spin_folds)
    fold = np.array([corpus.fold_of(k, len(paths)) for k in keys], dtype=np.int64)
    scores = np.zeros(len(texts))
    for f, path in enumerate(paths):  # one at a time: each takes ~180 MB loaded
        at = np.flatnonzero(fold == f)
        with spin_model_as(joblib.load(path)):
            scores[at] = spin.spin_scores([texts[i] for i in at])
        log.info("spin fold %d: %d texts scored by %s", f, len(at), path.name)
    return scores


def spin_fold_paths(folder: Path) -> list[Path]:
    """The spin fold models `train_spin.py --stage-folds` wrote into folder, in fold order."""
    paths = sorted(folder.glob("fold-*.joblib"), key=lambda p: int(p.stem.split("-")[1]))
    if not paths:
        raise SystemExit(
            f"{folder} holds no fold-K.joblib: write them with train_spin.py --stage-folds"
        )
    return paths


@contextmanager
def spin_model_as(model):
    """Within the block, the signals score spin with this model instead of the shipped one."""
    from .signals import spin

    shipped = spin._spin_model
    spin._spin_model = lambda: model
    try:
        yield
    finally:
        spin._spin_model = shipped


if __name__ == "__main__":
    raise SystemExit(main())
