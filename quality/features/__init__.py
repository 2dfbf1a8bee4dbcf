"""Block features: each family a module, assembled here into one matrix per page with stable names."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from ..records import Block
from . import context, structure, teasers, template, text
from .page import PageData, page_data

FAMILIES = (structure, text, template, teasers)
BASE_NAMES: tuple[str, ...] = tuple(name for fam in FAMILIES for name in fam.NAMES)
# The columns whose neighbours' values are features too.
CONTEXT_BASE = (
    "structure__log_chars",
    "links__char_share",
    "structure__is_heading",
    "structure__path_chars_share",
    "text__stopword_share",
    "text__punct_share",
    "text__ends_sentence",
    "template__class_words_inner",
    "template__class_article_inner",
    "teaser__ellipsis",
    "teaser__topic_similarity",
)
_CONTEXT_IDX = [BASE_NAMES.index(n) for n in CONTEXT_BASE]
FEATURE_NAMES: tuple[str, ...] = BASE_NAMES + context.names(CONTEXT_BASE)


def page_features(
    blocks: Sequence[Block], *, title: str = "", site_repeats: Collection[int] | None = None
) -> tuple[np.ndarray, PageData]:
    """The feature matrix of a page and the shared page data it was computed from."""
    page = page_data(blocks, title, site_repeats)
    base = np.hstack([fam.features(page) for fam in FAMILIES])
    return np.hstack([base, context.features(base[:, _CONTEXT_IDX])]), page


def page_matrix(
    blocks: Sequence[Block], *, title: str = "", site_repeats: Collection[int] | None = None
) -> np.ndarray:
    """The feature matrix of a page: one row per block, columns in `FEATURE_NAMES` order."""
    return page_features(blocks, title=title, site_repeats=site_repeats)[0]
