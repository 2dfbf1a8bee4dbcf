"""A word bigram fluency model scored against unigram frequency (SLOR), and the features built on it.

Spinners swap words for synonyms out of context, which leaves two traces: the new word is rarer than
the one it replaced, and it breaks the collocations around it (its bigrams with its neighbours were
never seen in clean text). Each word gets `log P(w | previous) - log P(w)` under an interpolated
absolute-discounting bigram model; the paragraph's features summarise those scores and word rarity.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|\d+(?:[.,]\d+)*|[.!?]+|[,;:]")
BOUNDARY = "<s>"
NUMBER = "<num>"
UNKNOWN = "<unk>"
DISCOUNT = 0.75  # the usual absolute discount; D = n1 / (n1 + 2 n2) on the training counts is close to it
FLOOR_PROB = 1e-9  # unigram probability of a word no list knows: zipf 0
RARE_ZIPF = 3.0  # zipf < 3: fewer than one in a million words
COMMON_PROB = 1e-5  # zipf 4: a word common enough that its missing bigrams mean something
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})

FEATURE_NAMES = (
    "slor_mean",
    "slor_p10",
    "slor_p25",
    "unseen_bigram_share",
    "broken_collocation_share",
    "isolated_word_share",
    "isolated_rare_word_share",
    "rare_word_share",
    "very_rare_word_share",
    "content_zipf_mean",
    "content_zipf_p10",
    "unknown_word_share",
    "log_words",
)


@dataclass(frozen=True, slots=True)
class FluencyModel:
    """Unigram log-probabilities, context counts and sorted bigram keys over one vocabulary."""

    vocab: dict[str, int]
    log_unigram: np.ndarray  # float32, natural log, per word id
    context_count: np.ndarray  # int32: c(v), how often v precedes any token
    context_types: np.ndarray  # int32: N1+(v), how many distinct tokens follow v
    bigram_keys: np.ndarray  # int64, sorted: v * len(vocab) + w
    bigram_counts: np.ndarray  # int32, aligned with bigram_keys


@dataclass(frozen=True, slots=True)
class Scored:
    """Per-position scores of one text: the tokens and the SLOR of each bigram ending there."""

    tokens: tuple[str, ...]  # lower-cased, with boundaries; position 0 is always BOUNDARY
    is_word: np.ndarray  # bool per token: a real word (not punctuation, number or boundary)
    slor: np.ndarray  # float per token: log P(token | previous) - log P(token); 0 at position 0
    seen: np.ndarray  # bool per token: its bigram with the previous token occurred in training
    log_unigram: np.ndarray  # float per token


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens with BOUNDARY at the start and after each sentence end."""
    tokens = [BOUNDARY]
    for raw in TOKEN.findall(text.translate(APOSTROPHES)):
        first = raw[0]
        if first.isalpha():
            tokens.append(raw.lower())
        elif first.isdigit():
            tokens.append(NUMBER)
        elif first in ".!?":
            if tokens[-1] != BOUNDARY:
                tokens.append(BOUNDARY)
        else:
            tokens.append(",")
    return tokens


def score_tokens(model: FluencyModel, tokens: list[str]) -> Scored:
    """SLOR of every bigram in a token list under the model."""
    vocab = model.vocab
    unknown = vocab[UNKNOWN]
    ids = np.fromiter((vocab.get(t, unknown) for t in tokens), dtype=np.int64, count=len(tokens))
    prev, cur = ids[:-1], ids[1:]
    keys = prev * len(vocab) + cur
    where = np.searchsorted(model.bigram_keys, keys)
    where = np.minimum(where, len(model.bigram_keys) - 1)
    found = model.bigram_keys[where] == keys
    pair = np.where(found, model.bigram_counts[where], 0).astype(np.float64)
    context = model.context_count[prev].astype(np.float64)
    types = model.context_types[prev].astype(np.float64)
    log_uni = model.log_unigram[cur].astype(np.float64)
    uni = np.exp(log_uni)
    safe = np.maximum(context, 1.0)
    prob = np.where(context > 0, np.maximum(pair - DISCOUNT, 0.0) / safe + DISCOUNT * types / safe * uni, uni)
    slor = np.log(prob) - log_uni
    is_word = np.fromiter((t[0].isalpha() for t in tokens), dtype=bool, count=len(tokens))
    is_word[0] = False
    return Scored(
        tokens=tuple(tokens),
        is_word=is_word,
        slor=np.concatenate(([0.0], slor)),
        seen=np.concatenate(([True], found)),
        log_unigram=np.concatenate(([0.0], log_uni)),
    )


def word_badness(scored: Scored) -> np.ndarray:
    """How badly each token fits both neighbours: minus the SLOR of its left and right bigrams."""
    right = np.concatenate((scored.slor[1:], [0.0]))
    return -(scored.slor + right)


def fluency_features(scored: Scored) -> np.ndarray:
    """The paragraph's features in FEATURE_NAMES order."""
    words = scored.is_word
    n_words = int(words.sum())
    if n_words == 0:
        return np.zeros(len(FEATURE_NAMES))
    slor = scored.slor[words]
    seen = scored.seen
    right_seen = np.concatenate((seen[1:], [True]))
    log_uni = scored.log_unigram
    zipf = log_uni / math.log(10) + 9.0  # zipf = log10(per-billion frequency)
    known = log_uni > math.log(FLOOR_PROB) + 1e-6
    common = log_uni > math.log(COMMON_PROB)
    # a word whose bigrams on both sides never occurred: the signature of an out-of-context swap
    isolated = words & ~seen & ~right_seen & known
    content = words & (zipf < 6.0)  # zipf >= 6 is function words: "the", "of", "and"
    content_zipf = zipf[content] if content.any() else np.array([6.0])
    return np.array(
        [
            slor.mean(),
            np.percentile(slor, 10),
            np.percentile(slor, 25),
            (~seen[words]).mean(),
            (~seen & words & common).sum() / n_words,
            isolated.sum() / n_words,
            (isolated & (zipf < 4.0)).sum() / n_words,
            (words & known & (zipf < RARE_ZIPF)).sum() / n_words,
            (words & known & (zipf < 2.0)).sum() / n_words,
            content_zipf.mean(),
            np.percentile(content_zipf, 10),
            (words & ~known).sum() / n_words,
            math.log1p(n_words),
        ]
    )
