"""Block and page labelling with the trained model.

Two passes over a page's blocks, as a reader revises a first impression with the surroundings: the
first classifier scores each block from its own features and its neighbours'; the second sees those
scores smoothed along the page (the block sits inside a run of article text, or after its end) and
decides. Both are one `predict_proba` call per page. Reasons name the features behind the label.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import ModelError
from .records import Block, BlockReport, Label, Verdict

log = logging.getLogger(__name__)

MODEL_NAME = "blocks.joblib"
FORMAT = 1  # bumped when the saved object's layout changes
PAGE_ARTICLE_CHARS = 250  # article text a page needs to be labelled article; shorter is a stub
SECOND_PASS_NAMES = (
    "pass1__score",
    "pass1__score_at-1",
    "pass1__score_at+1",
    "pass1__score_at-2",
    "pass1__score_at+2",
    "pass1__window3",
    "pass1__window10",
    "pass1__page_max",
    "pass1__page_mean",
    "pass1__max_before",
    "pass1__max_after",
    "pass1__chars_weighted_mean",
)


def second_pass_features(p: np.ndarray, chars: np.ndarray) -> np.ndarray:
    """The first pass's article scores around each block, for the second pass."""
    from .features.context import shifted, window_mean

    n = p.shape[0]
    col = p[:, None]
    out = np.empty((n, len(SECOND_PASS_NAMES)))
    out[:, 0] = p
    out[:, 1] = shifted(col, -1)[:, 0]
    out[:, 2] = shifted(col, 1)[:, 0]
    out[:, 3] = shifted(col, -2)[:, 0]
    out[:, 4] = shifted(col, 2)[:, 0]
    out[:, 5] = window_mean(col, 3)[:, 0]
    out[:, 6] = window_mean(col, 10)[:, 0]
    out[:, 7] = p.max() if n else 0.0
    out[:, 8] = p.mean() if n else 0.0
    # Whether article text lies before and after: blocks between two article runs are likely article.
    out[:, 9] = np.concatenate([[0.0], np.maximum.accumulate(p)[:-1]]) if n else p
    out[:, 10] = np.concatenate([np.maximum.accumulate(p[::-1])[::-1][1:], [0.0]]) if n else p
    out[:, 11] = float((p * chars).sum() / max(chars.sum(), 1.0))
    return out


@dataclass
class BlockModel:
    """The two fitted passes and what they were fitted on."""

    first: object
    second: object | None
    feature_names: tuple[str, ...]
    threshold: float = 0.5
    versions: dict[str, str] = field(default_factory=dict)
    format: int = FORMAT

    def article_scores(self, X: np.ndarray, chars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First- and second-pass probabilities that each block is article."""
        p1 = self.first.predict_proba(X)[:, 1]
        if self.second is None:
            return p1, p1
        p2 = self.second.predict_proba(np.hstack([X, second_pass_features(p1, chars)]))[:, 1]
        return p1, p2


def model_paths() -> list[Path]:
    """Where the model may be: the source tree's models/, then the copy packed into the wheel."""
    here = Path(__file__).resolve().parent
    return [here.parent / "models" / MODEL_NAME, here / "models" / MODEL_NAME]


@lru_cache(maxsize=1)
def load_model() -> BlockModel:
    """The committed block model, loaded once."""
    import joblib

    for path in model_paths():
        if path.is_file():
            model = joblib.load(path)
            if getattr(model, "format", None) != FORMAT:
                raise ModelError(f"{path} has format {getattr(model, 'format', None)}, expected {FORMAT}: retrain with `python -m quality.train`")
            from .features import FEATURE_NAMES

            if tuple(model.feature_names) != FEATURE_NAMES:
                raise ModelError(f"{path} was trained on other features: retrain with `python -m quality.train`")
            return model
    raise ModelError(f"no {MODEL_NAME} in {', '.join(map(str, model_paths()))}: train it with `python -m quality.train`")


# (feature, threshold, above?) -> reason, for the label the reason supports.
_BOILERPLATE_EVIDENCE = (
    ("links__char_share", 0.5, True, "links__dense"),
    ("template__class_words_inner", 0.5, True, "template__class_words"),
    ("template__text_copyright", 0.5, True, "template__copyright"),
    ("template__text_legal", 0.5, True, "template__legal_text"),
    ("template__text_form", 0.5, True, "template__form_text"),
    ("template__text_subscribe", 0.5, True, "template__subscribe_text"),
    ("template__text_read_more", 0.5, True, "teaser__read_more"),
    ("template__repeat_in_page", 0.5, True, "template__repeated_in_page"),
    ("template__site_repeat", 0.5, True, "template__site_repeat"),
    ("teaser__off_topic", 0.4, True, "teaser__off_topic"),
    ("teaser__ellipsis", 0.5, True, "teaser__cut_snippet"),
    ("region__nav", 0.5, True, "structure__in_nav"),
    ("region__footer", 0.5, True, "structure__in_footer"),
    ("region__aside", 0.5, True, "structure__in_aside"),
    ("region__form", 0.5, True, "structure__in_form"),
    ("text__stopword_share", 0.08, False, "text__few_function_words"),
    ("structure__log_words", np.log1p(5), False, "text__short"),
)
_ARTICLE_EVIDENCE = (
    ("structure__log_words", np.log1p(30), True, "text__long"),
    ("text__stopword_share", 0.25, True, "text__prose_function_words"),
    ("text__ends_sentence", 0.5, True, "text__full_sentences"),
    ("template__class_article_inner", 0.5, True, "template__article_class"),
    ("region__main", 0.5, True, "structure__in_main"),
    ("template__title_overlap", 0.5, True, "text__title_words"),
    ("structure__is_heading", 0.5, True, "structure__heading"),
    ("links__char_share", 0.1, False, "links__sparse"),
)


@lru_cache(maxsize=1)
def _evidence_index() -> tuple[tuple, tuple]:
    from .features import FEATURE_NAMES

    def resolve(rules):
        return tuple((FEATURE_NAMES.index(f), t, above, code) for f, t, above, code in rules)

    return resolve(_BOILERPLATE_EVIDENCE), resolve(_ARTICLE_EVIDENCE)


def _reasons(X: np.ndarray, is_article: np.ndarray, p1: np.ndarray, p2: np.ndarray) -> list[tuple[str, ...]]:
    boiler_rules, article_rules = _evidence_index()
    fired_b = [(X[:, i] > t) if above else (X[:, i] < t) for i, t, above, _ in boiler_rules]
    fired_a = [(X[:, i] > t) if above else (X[:, i] < t) for i, t, above, _ in article_rules]
    # The second pass overturning the first means the neighbours decided.
    overturned = (p1 >= 0.5) != (p2 >= 0.5)
    out = []
    for k in range(X.shape[0]):
        if is_article[k]:
            codes = [r[3] for r, f in zip(article_rules, fired_a) if f[k]]
            if overturned[k]:
                codes.insert(0, "context__article_neighbours")
        else:
            codes = [r[3] for r, f in zip(boiler_rules, fired_b) if f[k]]
            if overturned[k]:
                codes.insert(0, "context__boilerplate_neighbours")
        out.append(tuple(codes[:4]) or ("model__block_score",))
    return out


def classify(
    blocks: Sequence[Block],
    *,
    title: str = "",
    url: str | None = None,
    site_repeats: Collection[int] | None = None,
) -> Verdict:
    """Label each block and the page from its blocks."""
    from .features import page_matrix

    model = load_model()
    if not blocks:
        return Verdict((), Label.BOILERPLATE, {"article": 0.0, "boilerplate": 1.0, "low_quality": 0.0}, ("page__no_blocks",))
    X = page_matrix(blocks, title=title, site_repeats=site_repeats)
    chars = np.fromiter((len(b.text) for b in blocks), dtype=np.float64, count=len(blocks))
    p1, p2 = model.article_scores(X, chars)
    is_article = p2 >= model.threshold
    reasons = _reasons(X, is_article, p1, p2)
    reports = tuple(
        BlockReport(
            block,
            Label.ARTICLE if is_article[k] else Label.BOILERPLATE,
            {"article": float(p2[k]), "boilerplate": float(1.0 - p2[k]), "low_quality": 0.0},
            reasons[k],
        )
        for k, block in enumerate(blocks)
    )
    article_chars = float(chars[is_article].sum())
    share = min(article_chars / (2 * PAGE_ARTICLE_CHARS), 1.0)
    if article_chars >= PAGE_ARTICLE_CHARS:
        label, page_reasons = Label.ARTICLE, ("page__article_text",)
        share = max(share, 0.5)
    else:
        label, page_reasons = Label.BOILERPLATE, ("page__no_article",)
        share = min(share, 0.49)
    scores = {"article": share, "boilerplate": 1.0 - share, "low_quality": 0.0}
    return Verdict(reports, label, scores, page_reasons)
