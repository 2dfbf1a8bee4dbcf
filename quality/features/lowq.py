"""Signs that a block's prose is not written text: word salad and keyword stuffing.

Shuffled words leave function words where sentences end and next to each other; stuffing repeats a
keyword and its pairs far beyond what prose does. Both are measured without a language model, from
the block's own words and the page language's function words; spun text is the signals' job.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from itertools import chain, pairwise
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
# ASCII text's bytes as marks: U an upper-case letter, w another word character, a space the rest.
_CASE_MARKS = (
    bytes(
        85 if 65 <= c <= 90 else 119 if 97 <= c <= 122 or 48 <= c <= 57 or c == 95 else 32
        for c in range(128)
    )
    + b" " * 128
)
_LOG1P: dict[int, float] = {}


# The only non-ASCII word characters whose lower case holds no non-ASCII word character ("İ" -> "i"
# and a combining dot, the Kelvin sign -> "k"); no non-word character's lower case holds a word
# character (tests/test_features.py checks both over every code point).
_LOWER_TO_ASCII_WORD = ("\u0130", "\u212a")


def _ascii_words(text: str, lower: list[str]) -> bool:
    """Whether every word character of `text` is ASCII, given its lower-cased words `lower`.

    Lower-casing keeps a non-ASCII word character non-ASCII and word-like (but for
    `_LOWER_TO_ASCII_WORD`), so the text holds one exactly when its lower-cased words do.
    """
    if _LOWER_TO_ASCII_WORD[0] in text or _LOWER_TO_ASCII_WORD[1] in text:
        return False
    return "".join(lower).isascii()


def _words(text: str, lower: list[str] | None) -> tuple[list[str], int]:
    """The text's lower-cased words, and how many words after the first start upper-case.

    `lower` may give the text's lower-cased words as `_TOKEN.findall(text.lower())` finds them (the
    page's `PageData.words`); they are used when the text's word characters are all ASCII, where
    they are the same as the lower-cased words of the text, and spare a second tokenisation.
    """
    if lower is not None:
        if text.isascii():
            ascii_text = text.encode("ascii")
        elif _ascii_words(text, lower):
            # Its other characters are non-word ones: as "?" they part the words as before.
            ascii_text = text.encode("ascii", "replace")
        else:
            ascii_text = None
        if ascii_text is not None:
            if not lower:
                return lower, 0
            # Words starting upper-case are a non-word character then an upper-case letter once a
            # space is put in front (" U" in the marks; such pairs never overlap); then the first
            # word is taken out if it counted. One translation and a count cost a third less than
            # a regex.
            marks = b" " + ascii_text.translate(_CASE_MARKS)
            return lower, marks.count(b" U") - (marks.lstrip()[:1] == b"U")
    tokens = _TOKEN.findall(text)
    if not tokens:
        return [], 0
    # Lower-casing the joined words keeps each word apart (no word holds a space) and gives what
    # lower-casing them one by one gives, final sigma included (a space is no cased letter).
    lower = " ".join(tokens).lower().split(" ")
    return lower, sum(map(str.isupper, [t[0] for t in tokens[1:]]))


def _sentences(text: str, stop: frozenset[str]) -> tuple[int, int, int]:
    """Sentences ending on a function word, sentences starting lower-case, and sentences.

    Sentences are the non-empty runs of text each closed by . ! or ? (the last run, unclosed, is
    none).
    """
    runs = text.replace("!", ".").replace("?", ".").split(".")
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
    return ends, starts, n_sent


def _log1p(n: int) -> float:
    found = _LOG1P.get(n)
    if found is None:
        found = _LOG1P[n] = float(np.log1p(n))
    return found


def block_row(text: str, lang: str, lower: list[str] | None = None) -> list[float]:
    """The low-quality features of one text, in `NAMES` order (`lower`: see `_words`)."""
    stop = stopwords().get(lang) or stopwords()["en"]
    lower, upper = _words(text, lower)
    n = len(lower)
    if not n:
        return [0.0] * len(NAMES)
    is_stop = list(map(stop.__contains__, lower))
    ends, starts, n_sent = _sentences(text, stop)
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
    rest = max(n - 1, 1)
    return [
        _log1p(n),
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
    """One row per text: the low-quality family, in `NAMES` order (`words`: see `_words`).

    The counting runs over all the texts' words at once (numpy on word numbers), the same
    integers `block_row` counts one text at a time, so the rows are the same.
    """
    if not texts:
        return np.zeros((0, len(NAMES)))
    if len(texts) < 4:  # too few for the arrays to pay
        if words is None:
            return np.array([block_row(t, lang) for t in texts], dtype=np.float64)
        return np.array([block_row(t, lang, w) for t, w in zip(texts, words)], dtype=np.float64)
    stop = stopwords().get(lang) or stopwords()["en"]
    lowers, uppers, sentences = [], [], []
    for k, text in enumerate(texts):
        lower, upper = _words(text, None if words is None else words[k])
        lowers.append(lower)
        uppers.append(upper)
        sentences.append(_sentences(text, stop))
    out = np.empty((len(texts), len(NAMES)))
    sizes = np.fromiter(map(len, lowers), dtype=np.int64, count=len(texts))
    n_texts = len(texts)
    every = list(chain.from_iterable(lowers))
    # Word numbers in order of first appearance; flags per distinct word
    number = dict(zip(dict.fromkeys(every), itertools.count()))
    distinct = list(number)
    ids = np.fromiter(map(number.__getitem__, every), dtype=np.int64, count=len(every))
    is_stop_word = np.fromiter(map(stop.__contains__, distinct), dtype=bool, count=len(distinct))
    is_content = ~is_stop_word & (np.fromiter(map(len, distinct), dtype=np.int64) > 2)
    text = np.repeat(np.arange(n_texts), sizes)
    is_stop = is_stop_word[ids]
    n_stop = np.bincount(text[is_stop], minlength=n_texts)
    same = text[1:] == text[:-1]  # consecutive words of one text
    pairs = np.bincount(text[1:][same & is_stop[1:] & is_stop[:-1]], minlength=n_texts)
    v = max(len(distinct), 1)
    keys, counts = np.unique(text * v + ids, return_counts=True)
    key_text, key_word = keys // v, keys % v
    n_distinct = np.bincount(key_text, minlength=n_texts)
    content = is_content[key_word]
    n_content = np.bincount(key_text[content], weights=counts[content], minlength=n_texts)
    top = np.zeros(n_texts, dtype=np.int64)
    np.maximum.at(top, key_text[content], counts[content])
    pair_keys = (text[1:] * v + ids[:-1]) * v + ids[1:]
    pair_keys, pair_counts = np.unique(pair_keys[same], return_counts=True)
    once = np.bincount(pair_keys[pair_counts == 1] // (v * v), minlength=n_texts)
    # Ratios of the same integers block_row divides: float64 division gives the same numbers.
    n = np.maximum(sizes, 1)
    rest = np.maximum(sizes - 1, 1)
    ends, starts, n_sent = np.array(sentences, dtype=np.int64).reshape(-1, 3).T
    n_sent = np.maximum(n_sent, 1)
    out[:, 0] = [_log1p(size) for size in sizes.tolist()]
    out[:, 1] = n_stop / n
    out[:, 2] = ends / n_sent
    out[:, 3] = starts / n_sent
    out[:, 4] = pairs / rest
    out[:, 5] = np.where(n_content > 0, top / np.maximum(n_content, 1), 0.0)
    out[:, 6] = (sizes - 1 - once) / rest
    out[:, 7] = n_distinct / n
    out[:, 8] = np.array(uppers, dtype=np.int64) / rest
    out[sizes == 0] = 0.0
    return out


def stage_matrix(texts: list[str], lang: str, use_spin: bool) -> np.ndarray:
    """The low-quality stage's inputs: this family, then the spin score when the model uses it."""
    X = features(texts, lang)
    if use_spin and texts:
        from ..signals import spin_scores

        X = np.hstack([X, np.asarray(spin_scores(texts), dtype=np.float64)[:, None]])
    return X
