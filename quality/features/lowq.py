"""Signs that a block's prose is not written text: word salad and keyword stuffing.

Shuffled words leave function words where sentences end and next to each other; stuffing repeats a
keyword and its pairs far beyond what prose does. Both are measured without a language model, from
the block's own words and the page language's function words; spun text is the signals' job.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from operator import and_

import numpy as np

from .page import stopwords

NAMES = (
    "lowq__log_words",
    "lowq__stopword_share",
    "lowq__sentence_end_stopword",
    "lowq__sentence_start_lower",
    "lowq__stopword_pairs",
    "lowq__top_word_share",
    "lowq__repeated_bigrams",
    "lowq__distinct_words",
    "lowq__title_case_words",
)
_TOKEN = re.compile(r"\w+")


def block_row(text: str, lang: str) -> list[float]:
    """The low-quality features of one text, in `NAMES` order."""
    stop = stopwords().get(lang) or stopwords()["en"]
    tokens = _TOKEN.findall(text)
    lower = [t.lower() for t in tokens]
    n = len(lower)
    if not n:
        return [0.0] * len(NAMES)
    is_stop = list(map(stop.__contains__, lower))
    # Sentences: non-empty runs of text each closed by . ! or ? (the last run, unclosed, is none).
    runs = text.replace("!", ".").replace("?", ".").split(".")
    runs.pop()
    ends = starts = n_sent = 0
    for run in runs:
        if run:
            n_sent += 1
            words = _TOKEN.findall(run)
            if words:
                ends += words[-1].lower() in stop
                starts += words[0][0].islower()
    n_sent = max(n_sent, 1)
    pairs = sum(map(and_, is_stop, is_stop[1:]))
    content = [w for w in lower if len(w) > 2 and w not in stop]
    top = max(Counter(content).values()) / len(content) if content else 0.0
    # Bigram occurrences beyond those seen once.
    once = list(Counter(pairwise(lower)).values()).count(1)
    repeated = (n - 1 - once) / max(n - 1, 1)
    title_case = sum(map(str.isupper, [t[0] for t in tokens[1:]])) / max(n - 1, 1)
    return [
        float(np.log1p(n)),
        sum(is_stop) / n,
        ends / n_sent,
        starts / n_sent,
        pairs / max(n - 1, 1),
        top,
        repeated,
        len(set(lower)) / n,
        title_case,
    ]


def features(texts: list[str], lang: str) -> np.ndarray:
    """One row per text: the low-quality family, in `NAMES` order."""
    if not texts:
        return np.zeros((0, len(NAMES)))
    return np.array([block_row(t, lang) for t in texts], dtype=np.float64)


def stage_matrix(texts: list[str], lang: str, use_spin: bool) -> np.ndarray:
    """The low-quality stage's inputs: this family, then the spin score when the model uses it."""
    X = features(texts, lang)
    if use_spin and texts:
        from ..signals import spin_scores

        X = np.hstack([X, np.asarray(spin_scores(texts), dtype=np.float64)[:, None]])
    return X
