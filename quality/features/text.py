"""Text statistics of a block: function-word density in the page's language, punctuation, case, digits."""

from __future__ import annotations

from operator import itemgetter

import numpy as np

from .page import CJK_LANGS, PageData, char_counts, stopwords, word_set_counts

NAMES = (
    "text__stopword_share",
    "text__any_stopword_share",
    "text__punct_share",
    "text__digit_share",
    "text__upper_share",
    "text__mean_word_len",
    "text__sentences_per_word",
    "text__ends_sentence",
    "text__commas_per_word",
    "text__cjk_share",
    "text__separators",
    "text__starts_upper",
)
_SENTENCE_END = frozenset(".!?。！？")
_ALL_STOPWORDS: frozenset[str] | None = None


def _codes(chars: str) -> np.ndarray:
    return np.array(sorted(ord(c) for c in chars), dtype=np.uint32)


def _upper(c: np.ndarray) -> np.ndarray:
    # ASCII, Latin-1, Greek and Cyrillic capitals: enough to tell SHOUTED menus from prose. The
    # Latin-1 run holds one non-letter, the multiplication sign U+00D7.
    return (
        ((c >= 65) & (c <= 90))
        | ((c >= 0xC0) & (c <= 0xDE) & (c != 0xD7))
        | ((c >= 0x391) & (c <= 0x3A9))
        | ((c >= 0x410) & (c <= 0x42F))
    )


def _digit(c: np.ndarray) -> np.ndarray:
    return (c >= 48) & (c <= 57)


def _cjk(c: np.ndarray) -> np.ndarray:
    return (
        ((c >= 0x3040) & (c <= 0x30FF))
        | ((c >= 0x3400) & (c <= 0x9FFF))
        | ((c >= 0xF900) & (c <= 0xFAFF))
    )


_CLASSES = (
    _upper,
    _digit,
    _cjk,
    _codes(".!?。！？"),
    _codes(",，、"),
    _codes("|·•»«›‹/"),
    _codes(" "),
)


def _all_stopwords() -> frozenset[str]:
    global _ALL_STOPWORDS
    if _ALL_STOPWORDS is None:
        _ALL_STOPWORDS = frozenset().union(
            *(v for k, v in stopwords().items() if k not in CJK_LANGS)
        )
    return _ALL_STOPWORDS


def features(page: PageData) -> np.ndarray:
    """One row per block: the text family, in `NAMES` order."""
    n = len(page.blocks)
    out = np.zeros((n, len(NAMES)), dtype=np.float64)
    if not n:
        return out
    texts = page.texts
    upper, digit, cjk, ends, commas, seps, spaces = char_counts(texts, _CLASSES).T
    length = np.maximum(page.chars, 1.0)
    n_words = page.n_words
    nw = np.maximum(n_words, 1.0)
    alpha = np.fromiter(map(len, map("".join, page.words)), dtype=np.float64, count=n)
    lists = stopwords()
    own = lists.get(page.lang, frozenset())
    every = _all_stopwords()
    if page.lang in CJK_LANGS:
        # Per character: Chinese and Japanese function characters among the CJK characters.
        out[:, 0] = [sum(map(t.count, own)) for t in texts]
        out[:, 0] /= np.maximum(cjk, 1.0)
        out[:, 1] = word_set_counts(page.words, (every,))[:, 0]
    else:
        out[:, :2] = word_set_counts(page.words, (own, every))
        out[:, 0] /= nw
    out[:, 1] /= nw
    out[:, 2] = np.clip(length - alpha - spaces, 0, None) / length
    out[:, 3] = digit / length
    out[:, 4] = upper / np.maximum(alpha, 1.0)
    out[:, 5] = np.minimum(alpha / nw, 20.0) / 20.0
    out[:, 6] = np.minimum(ends / nw, 1.0)
    # A sentence end in the last two characters.
    last_two = map(itemgetter(slice(-2, None)), texts)
    out[:, 7] = ~np.fromiter(map(_SENTENCE_END.isdisjoint, last_two), dtype=bool, count=n)
    out[:, 8] = np.minimum(commas / nw, 1.0)
    out[:, 9] = cjk / length
    out[:, 10] = np.minimum(seps / nw, 1.0)
    out[:, 11] = np.fromiter(map(str.isupper, map(itemgetter(0), texts)), dtype=bool, count=n)
    return out
