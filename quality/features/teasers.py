"""Related-post teasers: runs of same-structure blocks (linked title, cut snippet, "read more") whose
words are not the page's own topic.

The page's topic is the vocabulary of its prose blocks (long, few links); a block's similarity is the
share of its content words that the rest of that prose also uses. Teasers for other stories share few
words with the article; a caption or subheading of the article shares many.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .context import window_mean
from .page import PageData
from .text import _all_stopwords

WINDOW = 5  # blocks on each side that count as the block's neighbourhood in a run
PROSE_WORDS = 25  # a block this long with few links is taken as the page's own text
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


def _content(words: list[str], stop: frozenset[str]) -> list[str]:
    return [w for w in words if len(w) > 3 and w not in stop and not w.isdigit()]


def features(page: PageData) -> np.ndarray:
    """One row per block: the teaser family, in `NAMES` order."""
    blocks = page.blocks
    n = len(blocks)
    out = np.zeros((n, len(NAMES)), dtype=np.float64)
    if not n:
        return out
    stop = _all_stopwords()
    paths = [b.path for b in blocks]
    ellipsis = np.fromiter(
        (b.text.endswith(("…", "...", "… »", "...»", "[…]", "[...]")) for b in blocks), dtype=np.float64, count=n
    )
    link_share = np.fromiter(
        (b.link_chars / len(b.text) if b.text else 0.0 for b in blocks), dtype=np.float64, count=n
    )
    linked = (link_share > 0.5).astype(np.float64)
    out[:, 0] = ellipsis
    for i in range(n):
        lo, hi = max(0, i - WINDOW), min(n, i + WINDOW + 1)
        p = paths[i]
        same = sum(1 for j in range(lo, hi) if paths[j] == p) - 1
        out[i, 1] = same / (hi - lo - 1) if hi - lo > 1 else 0.0
        periodic = 0.0
        for period in (1, 2, 3, 4):
            if (i - period >= 0 and paths[i - period] == p) or (i + period < n and paths[i + period] == p):
                if i - 2 * period >= 0 and paths[i - 2 * period] == p or i + 2 * period < n and paths[i + 2 * period] == p:
                    periodic = 1.0
                    break
        out[i, 2] = periodic
    out[:, 3:5] = window_mean(np.column_stack([ellipsis, linked]), WINDOW)

    content = [_content(w, stop) for w in page.words]
    n_words = np.fromiter((len(w) for w in page.words), dtype=np.float64, count=n)
    prose = (n_words >= PROSE_WORDS) & (link_share < 0.2)
    if not prose.any():
        prose = np.zeros(n, dtype=bool)
        prose[np.argsort(-page.chars, kind="stable")[:3]] = True
    topic: Counter = Counter()
    for i in np.flatnonzero(prose):
        topic.update(content[i])
    has_topic = sum(topic.values()) >= 30
    out[:, 7] = has_topic
    for i in range(n):
        words = content[i]
        if not words:
            continue
        if prose[i]:
            own = Counter(words)
            shared = sum(1 for w in words if topic[w] > own[w])
        else:
            shared = sum(1 for w in words if w in topic)
        sim = shared / len(words)
        out[i, 5] = sim
        if has_topic:
            out[i, 6] = (1.0 - sim) * max(out[i, 1], out[i, 2]) * min(len(words), 10) / 10
    return out
