"""A word-class trigram model: does each word's kind (part of speech and ending) fit its neighbours?

Word bigrams are sparse on a few million words, but word classes are not. A class is the word itself
for function words, else the set of parts of speech WordNet allows for it plus its ending ("-ed",
"-ing", "-s", "-ly"). Spinners often put a verb form where an adjective stood ("are classified
endangered" -> "are delegated jeopardized"); the class trigram model sees that at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fluency import KeyBits, KeyIndex

DISCOUNT = 0.75


@dataclass(frozen=True, slots=True)
class ClassModel:
    """Class of every vocabulary id and smoothed class trigram statistics."""

    word_class: np.ndarray  # int32 per vocabulary id
    boundary_class: int
    log_unigram: np.ndarray  # float64 per class
    bigram_counts: np.ndarray  # int32 (C, C): n(b, c)
    context1_count: np.ndarray  # int32 (C,): n(b, .)
    context1_types: np.ndarray  # int32 (C,): N1+(b, .)
    trigram_keys: np.ndarray  # int64 sorted: (a * C + b) * C + c
    trigram_counts: np.ndarray  # int32
    context2_count: np.ndarray  # int32 (C, C): n(a, b, .)
    context2_types: np.ndarray  # int32 (C, C): N1+(a, b, .)
    # derived on construction: log P(c | b) - log P(c) (C, C), log back-off mass of each (a, b) context
    # (C, C), and log P(c | a, b) - log P(c) of each counted trigram, aligned with trigram_keys
    bigram_ratio: np.ndarray | None = None
    log_backoff: np.ndarray | None = None
    trigram_ratio: np.ndarray | None = None
    key_index: KeyIndex | None = None
    key_bits: KeyBits | None = None

    def __post_init__(self):
        if self.bigram_ratio is None:
            for name, value in zip(
                ("bigram_ratio", "log_backoff", "trigram_ratio"), _derived_tables(self)
            ):
                object.__setattr__(self, name, value)
        limit = len(self.log_unigram) ** 3
        if self.key_bits is None and KeyBits.fits(limit):
            object.__setattr__(self, "key_bits", KeyBits(self.trigram_keys, limit))
        if self.key_index is None and self.key_bits is None:
            index = KeyIndex(self.trigram_keys, payload=self.trigram_ratio)
            object.__setattr__(self, "key_index", index)
            # the same keys and ratios, one copy, each key's ratio beside it
            object.__setattr__(self, "trigram_keys", index.keys)
            object.__setattr__(self, "trigram_ratio", index.payload)

    def __setstate__(self, state):
        # a model pickled by the dataclass itself: its stored fields, then the derived tables
        for name, value in zip(_STORED_FIELDS, state):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "bigram_ratio", None)
        object.__setattr__(self, "key_index", None)
        object.__setattr__(self, "key_bits", None)
        self.__post_init__()

    def __reduce__(self):
        fields = (
            self.word_class,
            self.boundary_class,
            self.log_unigram,
            self.bigram_counts,
            self.context1_count,
            self.context1_types,
            self.trigram_keys,
            self.trigram_counts,
            self.context2_count,
            self.context2_types,
        )
        return (ClassModel, fields)


_STORED_FIELDS = (
    "word_class",
    "boundary_class",
    "log_unigram",
    "bigram_counts",
    "context1_count",
    "context1_types",
    "trigram_keys",
    "trigram_counts",
    "context2_count",
    "context2_types",
)


def _derived_tables(model: ClassModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Smoothed class bigram and trigram log-ratios, and the trigram contexts' back-off masses, precomputed."""
    n = len(model.log_unigram)
    uni = np.exp(model.log_unigram)
    b_total = model.context1_count.astype(np.float64)[:, None]
    safe_b = np.maximum(b_total, 1.0)
    p2 = np.where(
        b_total > 0,
        np.maximum(model.bigram_counts - DISCOUNT, 0) / safe_b
        + DISCOUNT * model.context1_types[:, None] / safe_b * uni[None, :],
        uni[None, :],
    )
    ctx = model.context2_count.astype(np.float64)
    safe = np.maximum(ctx, 1.0)
    backoff = np.where(ctx > 0, DISCOUNT * model.context2_types / safe, 1.0)
    a, b, c = model.trigram_keys // n // n, model.trigram_keys // n % n, model.trigram_keys % n
    p3 = np.maximum(model.trigram_counts - DISCOUNT, 0) / safe[a, b] + backoff[a, b] * p2[b, c]
    return np.log(p2), np.log(backoff), np.log(p3) - model.log_unigram[c]


def class_log_probs(
    model: ClassModel, ids: np.ndarray, starts: np.ndarray | None = None
) -> np.ndarray:
    """log P(class_i | two previous classes) - log P(class_i) per token; 0 at position 0 (at each of `starts`)."""
    classes = model.word_class[ids].astype(np.int64)
    n = len(model.log_unigram)
    padded = np.concatenate(([model.boundary_class], classes))
    a, b, c = padded[:-2], padded[1:-1], padded[2:]
    if starts is not None:
        # each text's second token sees the boundary class two back, as it does in its own text
        seams = starts[(starts > 0) & (starts < len(ids) - 1)]
        a = a.copy()
        a[seams] = model.boundary_class
    keys = (a * n + b) * n + c
    if model.key_bits is not None:
        counted, where = model.key_bits.find(keys)
        where = np.minimum(where, len(model.trigram_keys) - 1)
    else:
        where = np.minimum(model.key_index.find(keys), len(model.trigram_keys) - 1)
        counted = model.trigram_keys[where] == keys
    # an uncounted trigram backs off to the bigram: its context's back-off mass times P(c | b)
    backed_off = model.log_backoff[a, b] + model.bigram_ratio[b, c] - model.log_unigram[c]
    lp = np.concatenate(([0.0], np.where(counted, model.trigram_ratio[where], backed_off)))
    if starts is not None:
        lp[starts] = 0.0
    return lp


def class_fit_columns(
    model: ClassModel, ids: np.ndarray, starts: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per token, its trigram's class log-ratio, and that summed over the three trigrams it takes
    part in (texts begin at `starts`)."""
    lp = class_log_probs(model, ids, starts)
    nxt = np.concatenate((lp[1:], [0.0]))
    nxt2 = np.concatenate((lp[2:], [0.0, 0.0]))[: len(lp)]
    if starts is not None and len(starts) > 1:
        nxt2[starts[1:] - 1] = 0.0  # a text's last token must not see the next text's second token
    return lp, lp + nxt + nxt2
