"""Related-post teasers: runs of same-structure blocks (linked title, cut snippet, "read more") whose
words are not the page's own topic.

The page's topic is the vocabulary of its prose blocks (long, few links); a block's similarity is the
share of its content words that the rest of that prose also uses. Teasers for other stories share few
words with the article; a caption or subheading of the article shares many.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain, compress, repeat
from operator import attrgetter

import numpy as np

from .context import window_mean
from .page import PageData
from .text import _all_stopwords

WINDOW = 5  # blocks on each side that count as the block's neighbourhood in a run
PROSE_WORDS = 25  # a block this long with few links is taken as the page's own text
_CUT_ENDS = ("…", "...", "… »", "...»", "[…]", "[...]")
_LINK_CHARS = attrgetter("link_chars")
NAMES = (
    "teaser__ellipsis",
    "teaser__local_same_path",
    "teaser__periodic",
    "teaser__run_ellipsis",
    "teaser__run_linked",
    "teaser__topic_similarity",
    "teaser__off_topic",
    "teaser__has_topic",
)


def features(page: PageData) -> np.ndarray:
    """One row per block: the teaser family, in `NAMES` order."""
    blocks = page.blocks
    n = len(blocks)
    out = np.zeros((n, len(NAMES)), dtype=np.float64)
    if not n:
        return out
    stop = _all_stopwords()
    texts = page.texts
    ellipsis = np.fromiter(map(str.endswith, texts, repeat(_CUT_ENDS)), dtype=np.float64, count=n)
    # Link characters over characters (each a whole number, so the division is the same as one by
    # one in Python), 0 for an empty text.
    link_chars = np.fromiter(map(_LINK_CHARS, blocks), dtype=np.float64, count=n)
    chars = page.chars
    link_share = np.where(chars > 0, link_chars / np.maximum(chars, 1.0), 0.0)
    linked = (link_share > 0.5).astype(np.float64)
    out[:, 0] = ellipsis
    ids = page.path_ids

    # near[k][i]: whether the block k places away has the same path (False off the page's ends),
    # for every k up to twice the longest period, from one comparison against a padded copy.
    span = 2 * 4
    shifts = np.array([k for k in range(-span, span + 1) if k])
    padded = np.full(n + 2 * span, -1, dtype=ids.dtype)  # path ids count from 0: -1 matches none
    padded[span : span + n] = ids
    same = padded[np.arange(n)[None, :] + (shifts + span)[:, None]] == ids[None, :]
    near = dict(zip(shifts.tolist(), same))
    idx = np.arange(n)
    window = np.minimum(idx + WINDOW, n - 1) - np.maximum(idx - WINDOW, 0)
    # Counts of 0/1 values: whole numbers, the same summed in any order.
    close = np.abs(shifts) <= WINDOW
    out[:, 1] = same[close].sum(axis=0) / np.maximum(window, 1)
    periodic = np.zeros(n, dtype=bool)
    for period in (1, 2, 3, 4):
        periodic |= (near[period] | near[-period]) & (near[2 * period] | near[-2 * period])
    out[:, 2] = periodic
    out[:, 3:5] = window_mean(np.column_stack([ellipsis, linked]), WINDOW)

    # Content words: 4+ characters starting with a letter (a word character that is no digit or "_").
    vocab = set().union(*page.words) - stop
    keep = {w for w in vocab if len(w) > 3 and w[0] != "_" and not w[0].isdecimal()}
    content = list(map(keep.intersection, page.words))
    n_words = page.n_words
    prose = (n_words >= PROSE_WORDS) & (link_share < 0.2)
    if not prose.any():
        prose = np.zeros(n, dtype=bool)
        prose[np.argsort(-page.chars, kind="stable")[:3]] = True
    # In how many prose blocks each word occurs: a prose block's word is shared when another uses it.
    df = Counter(chain.from_iterable(compress(content, prose.tolist())))
    anywhere = set(df)
    twice = set(compress(df.keys(), map((1).__lt__, df.values())))
    has_topic = len(anywhere) >= 15  # distinct content words: fewer make no topic
    out[:, 7] = has_topic
    sizes = np.fromiter(map(len, content), dtype=np.float64, count=n)
    shared = np.fromiter(
        (len(c & twice) if p else len(c & anywhere) for p, c in zip(prose.tolist(), content)),
        dtype=np.float64,
        count=n,
    )
    sim = np.where(sizes > 0, shared / np.maximum(sizes, 1.0), 0.0)
    out[:, 5] = sim
    if has_topic:
        out[:, 6] = (
            (1.0 - sim)
            * np.maximum(out[:, 1], out[:, 2])
            * np.minimum(sizes, 10.0)
            / 10.0
            * (sizes > 0)
        )
    return out
