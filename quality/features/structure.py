"""Where a block sits and how it is built: size, links, heading, depth, position, regions, tag path."""

from __future__ import annotations

from itertools import chain, repeat
from operator import attrgetter

import numpy as np

from .page import PageData

REGIONS = ("list", "table", "form", "header", "footer", "nav", "aside", "main")
TAGS = (
    "p",
    "div",
    "li",
    "td",
    "h",
    "quote",
    "a_text",
)  # "h": any heading; "quote": blockquote/pre/dd/figcaption
_TAG_GROUP = {
    "p": "p",
    "div": "div",
    "li": "li",
    "td": "td",
    "th": "td",
    "h1": "h",
    "h2": "h",
    "h3": "h",
    "h4": "h",
    "h5": "h",
    "h6": "h",
    "blockquote": "quote",
    "pre": "quote",
    "dd": "quote",
    "figcaption": "quote",
    "section": "div",
    "article": "div",
    "center": "div",
    "body": "a_text",
    "span": "a_text",
}

_REGION_FLAGS = attrgetter(*(f"in_{r}" for r in REGIONS))
_LINK_CHARS, _N_LINKS, _HEADING, _DEPTH, _TAG = map(
    attrgetter, ("link_chars", "n_links", "heading", "depth", "tag")
)

NAMES = (
    "structure__log_chars",
    "structure__log_words",
    "links__char_share",
    "links__per_word",
    "links__log_count",
    "structure__heading_level",
    "structure__is_heading",
    "structure__depth",
    "structure__position",
    "structure__chars_share",
    "structure__chars_vs_longest",
    "structure__path_share",
    "structure__path_chars_share",
    "structure__log_blocks",
    *(f"region__{r}" for r in REGIONS),
    *(f"tag__{t}" for t in TAGS),
)
# Each grouped tag's column.
_TAG_COL = {tag: NAMES.index(f"tag__{group}") for tag, group in _TAG_GROUP.items()}


def features(page: PageData) -> np.ndarray:
    """One row per block: the structure family, in `NAMES` order."""
    blocks = page.blocks
    n = len(blocks)
    out = np.zeros((n, len(NAMES)), dtype=np.float64)
    if not n:
        return out
    chars = page.chars
    n_words = page.n_words
    link_chars = np.fromiter(map(_LINK_CHARS, blocks), dtype=np.float64, count=n)
    n_links = np.fromiter(map(_N_LINKS, blocks), dtype=np.float64, count=n)
    heading = np.fromiter(map(_HEADING, blocks), dtype=np.float64, count=n)
    depth = np.fromiter(map(_DEPTH, blocks), dtype=np.float64, count=n)
    # Blocks per path and their characters, summed in block order as before (whole numbers: exact).
    path_ids = page.path_ids
    path_count = np.bincount(path_ids).astype(np.float64)
    path_chars = np.bincount(path_ids, weights=chars)
    total = max(chars.sum(), 1.0)
    out[:, 0] = np.log1p(chars)
    out[:, 1] = np.log1p(n_words)
    out[:, 2] = np.minimum(link_chars / np.maximum(chars, 1.0), 1.0)
    out[:, 3] = n_links / np.maximum(n_words, 1.0)
    out[:, 4] = np.log1p(n_links)
    out[:, 5] = heading
    out[:, 6] = heading > 0
    out[:, 7] = np.minimum(depth, 60.0) / 60.0
    out[:, 8] = np.arange(n) / max(n - 1, 1)
    out[:, 9] = chars / total
    out[:, 10] = chars / max(chars.max(), 1.0)
    out[:, 11] = path_count[path_ids] / n
    out[:, 12] = path_chars[path_ids] / total
    out[:, 13] = np.log1p(n)
    col = 14
    flags = chain.from_iterable(map(_REGION_FLAGS, blocks))
    out[:, col : col + len(REGIONS)] = np.fromiter(
        flags, dtype=np.float64, count=n * len(REGIONS)
    ).reshape(n, len(REGIONS))
    cols = np.fromiter(map(_TAG_COL.get, map(_TAG, blocks), repeat(-1)), dtype=np.int64, count=n)
    tagged = cols >= 0
    out[np.flatnonzero(tagged), cols[tagged]] = 1.0
    return out
