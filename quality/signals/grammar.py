"""A word-class trigram model: does each word's kind (part of speech and ending) fit its neighbours?

Word bigrams are sparse on a few million words, but word classes are not. A class is the word itself
for function words, else the set of parts of speech WordNet allows for it plus its ending ("-ed",
"-ing", "-s", "-ly"). Spinners often put a verb form where an adjective stood ("are classified
endangered" -> "are delegated jeopardized"); the class trigram model sees that at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def class_log_probs(model: ClassModel, ids: np.ndarray) -> np.ndarray:
    """log P(class_i | two previous classes) - log P(class_i) per token; 0 at position 0."""
    classes = model.word_class[ids].astype(np.int64)
    n = len(model.log_unigram)
    padded = np.concatenate(([model.boundary_class], classes))
    a, b, c = padded[:-2], padded[1:-1], padded[2:]
    uni = np.exp(model.log_unigram[c])
    b_total = model.context1_count[b].astype(np.float64)
    b_types = model.context1_types[b].astype(np.float64)
    b_pair = model.bigram_counts[b, c].astype(np.float64)
    safe_b = np.maximum(b_total, 1.0)
    p2 = np.where(b_total > 0, np.maximum(b_pair - DISCOUNT, 0) / safe_b + DISCOUNT * b_types / safe_b * uni, uni)
    keys = (a * n + b) * n + c
    where = np.minimum(np.searchsorted(model.trigram_keys, keys), len(model.trigram_keys) - 1)
    tri = np.where(model.trigram_keys[where] == keys, model.trigram_counts[where], 0).astype(np.float64)
    ctx = model.context2_count[a, b].astype(np.float64)
    types = model.context2_types[a, b].astype(np.float64)
    safe = np.maximum(ctx, 1.0)
    p3 = np.where(ctx > 0, np.maximum(tri - DISCOUNT, 0) / safe + DISCOUNT * types / safe * p2, p2)
    return np.concatenate(([0.0], np.log(p3) - model.log_unigram[c]))


def class_fit(model: ClassModel, ids: np.ndarray) -> np.ndarray:
    """Per token, the class log-ratio summed over the three trigrams it takes part in."""
    lp = class_log_probs(model, ids)
    nxt = np.concatenate((lp[1:], [0.0]))
    nxt2 = np.concatenate((lp[2:], [0.0, 0.0]))[: len(lp)]
    return np.column_stack((lp, lp + nxt + nxt2))
