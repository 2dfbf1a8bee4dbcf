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
_UPPER_AFTER = re.compile(r"[^A-Za-z0-9_][A-Z]")  # on ASCII text: a word starting upper-case
_WORD_CHAR = re.compile(r"[A-Za-z0-9_]")
_ENDS = str.maketrans("!?", "..")
_LOG1P: dict[int, float] = {}


def block_row(text: str, lang: str, lower: list[str] | None = None) -> list[float]:
    """The low-quality features of one text, in `NAMES` order.

    `lower` may give the text's lower-cased words as `_TOKEN.findall(text.lower())` finds them (the
    page's `PageData.words`); they are used when the text is ASCII, where they are the same as the
    lower-cased words of the text, and spare a second tokenisation.
    """
    stop = stopwords().get(lang) or stopwords()["en"]
    if lower is not None and text.isascii():
        n = len(lower)
        if not n:
            return [0.0] * len(NAMES)
        # Words after the first starting upper-case: every such word follows a non-word character
        # once a space is put in front; then the first word is taken out if it counted.
        first = _WORD_CHAR.search(text).group()
        upper = len(_UPPER_AFTER.findall(" " + text)) - ("A" <= first <= "Z")
    else:
        tokens = _TOKEN.findall(text)
        n = len(tokens)
        if not n:
            return [0.0] * len(NAMES)
        # Lower-casing the joined words keeps each word apart (no word holds a space) and gives
        # what lower-casing them one by one gives, final sigma included (a space is no cased letter).
        lower = " ".join(tokens).lower().split(" ")
        upper = sum(map(str.isupper, [t[0] for t in tokens[1:]]))
    is_stop = list(map(stop.__contains__, lower))
    # Sentences: non-empty runs of text each closed by . ! or ? (the last run, unclosed, is none).
    runs = text.translate(_ENDS).split(".")
    runs.pop()
    ends = starts = n_sent = 0
    for run in runs:
        if run:
            n_sent += 1
            parts = run.split()
            if parts and parts[0].isalnum() and parts[-1].isalnum():
                # all word characters between spaces: these are the run's first and last words
                starts += parts[0][0].islower()
                ends += parts[-1].lower() in stop
            else:
                words = _TOKEN.findall(run)
                if words:
                    ends += words[-1].lower() in stop
                    starts += words[0][0].islower()
    n_sent = max(n_sent, 1)
    pairs = sum(map(and_, is_stop, is_stop[1:]))
    counts = Counter(lower)
    top = content = 0  # the commonest content word's count, and all content words'
    for w, c in counts.items():
        if len(w) > 2 and w not in stop:
            content += c
            top = max(top, c)
    # Bigram occurrences beyond those seen once.
    once = list(Counter(pairwise(lower)).values()).count(1)
    log_n = _LOG1P.get(n)
    if log_n is None:
        log_n = _LOG1P[n] = float(np.log1p(n))
    rest = max(n - 1, 1)
    return [
        log_n,
        is_stop.count(True) / n,
        ends / n_sent,
        starts / n_sent,
        pairs / rest,
        top / content if content else 0.0,
        (n - 1 - once) / rest,
        len(counts) / n,
        upper / rest,
    ]


def features(texts: list[str], lang: str, words: list[list[str]] | None = None) -> np.ndarray:
    """One row per text: the low-quality family, in `NAMES` order (`words`: see `block_row`)."""
    if not texts:
        return np.zeros((0, len(NAMES)))
    if words is None:
        return np.array([block_row(t, lang) for t in texts], dtype=np.float64)
    return np.array([block_row(t, lang, w) for t, w in zip(texts, words)], dtype=np.float64)


def stage_matrix(texts: list[str], lang: str, use_spin: bool) -> np.ndarray:
    """The low-quality stage's inputs: this family, then the spin score when the model uses it."""
    X = features(texts, lang)
    if use_spin and texts:
        from ..signals import spin_scores

        X = np.hstack([X, np.asarray(spin_scores(texts), dtype=np.float64)[:, None]])
    return X
