"""Spun-text score: fluency features of a paragraph fed to a small logistic model.

The weights and the feature scaling are applied here with numpy, so scoring needs no sklearn and a
100-word paragraph takes well under a millisecond.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._models import load_model
from .context import TopicVectors, topic_columns
from .fluency import (
    FEATURE_NAMES,
    FluencyModel,
    Scored,
    Swaps,
    bigram_log_prob,
    clip,
    fluency_features,
    fluency_features_batch,
    score_run,
    score_texts,
    score_tokens,
    stack_columns,
    swap_gains,
    text_ids,
    tokenize,
    word_columns,
)
from .grammar import ClassModel, class_fit_columns

MAX_EVIDENCE = 5
MIN_WORDS = 1


@dataclass(frozen=True, slots=True)
class Linear:
    """A standardised logistic model: (x - mean) / scale @ coef + intercept gives the log-odds."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Log-odds for the rows of x."""
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept


@dataclass(frozen=True, slots=True)
class Mlp:
    """A one-hidden-layer ReLU network; the input standardisation is folded into the hidden weights."""

    hidden_weights: np.ndarray
    hidden_bias: np.ndarray
    out_weights: np.ndarray
    out_bias: float

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Log-odds for the rows of x."""
        hidden = np.maximum(x @ self.hidden_weights + self.hidden_bias, 0.0)
        return hidden @ self.out_weights + self.out_bias


@dataclass(frozen=True, slots=True)
class SpinModel:
    """Fluency, word-class and topic models, a per-word swap model and the paragraph model over them."""

    fluency: FluencyModel
    grammar: ClassModel
    topics: TopicVectors
    words: Linear | Mlp
    paragraph: Linear | Mlp
    word_prior_logit: float
    feature_names: tuple[str, ...] = FEATURE_NAMES


@dataclass(frozen=True, slots=True)
class SpinResult:
    """A spin score with the words and word pairs that drove it.

    `words` are out-of-place words, each as "word->likelier word" when the thesaurus offers a synonym
    that fits the context far better (the word a spinner probably replaced); `bigrams` are the word
    pairs never seen in clean text that fit worst.
    """

    score: float
    words: tuple[str, ...]
    bigrams: tuple[str, ...]


def _spin_model() -> SpinModel:
    return load_model("spin")


def analyse(model: SpinModel, text: str) -> tuple[Scored, np.ndarray, np.ndarray, np.ndarray]:
    """Token scores, swap gains, per-word swap log-odds and paragraph features of a text."""
    scored = score_tokens(model.fluency, tokenize(text))
    rows = word_rows(model, scored)
    gains = rows.gains
    word_logits = model.words.logits(rows.features)
    return (
        scored,
        gains,
        word_logits,
        fluency_features(scored, gains, word_logits, model.word_prior_logit),
    )


@dataclass(frozen=True, slots=True)
class WordRows:
    """The per-word model's input rows of a text and the swap gains they include."""

    features: np.ndarray
    gains: np.ndarray


def word_rows(model: SpinModel, scored: Scored, swaps: Swaps | None = None) -> WordRows:
    """Per-token inputs of the word model: bigram and collocation fit, swap alternatives, word classes,
    topic (`swaps`: the run's `swap_gains`, if already known)."""
    if swaps is None:
        swaps = swap_gains(model.fluency, scored)
    features = stack_columns(
        (
            *word_columns(model.fluency, scored, swaps),
            *class_fit_columns(model.grammar, scored.ids, scored.starts),
            *topic_columns(model.topics, model.fluency, scored),
        )
    )
    return WordRows(features, swaps.gains)


def _probability(model: SpinModel, features: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-clip(model.paragraph.logits(features), -30.0, 30.0)))


def spin_scores(texts: list[str]) -> list[float]:
    """Spin scores in [0, 1] for many texts with one model call; texts without words score 0."""
    if not texts:
        return []
    model = _spin_model()
    if model.fluency.token_table is None:  # a vocabulary without the punctuation tokens
        return _spin_scores_of_tokens(model, [tokenize(text) for text in texts])
    ids, starts = text_ids(model.fluency.token_table, texts)
    bounds = np.concatenate((starts, [len(ids)]))
    scores: list[float] = []
    for first, end in _chunk_ranges((bounds[1:] - bounds[:-1]).tolist()):
        # the per-token stages run once over the chunk's tokens; only paragraph summaries go text by text
        offset = starts[first]
        scored, swaps = score_run(
            model.fluency, ids[offset : bounds[end]], starts[first:end] - offset
        )
        scores += _chunk_scores(model, scored, word_rows(model, scored, swaps))
    return scores


def _spin_scores_of_tokens(model: SpinModel, tokens: list[list[str]]) -> list[float]:
    scores: list[float] = []
    for chunk in _chunks(tokens):
        scored = score_texts(model.fluency, chunk)
        scores += _chunk_scores(model, scored, word_rows(model, scored))
    return scores


def _chunk_scores(model: SpinModel, scored: Scored, rows: WordRows) -> list[float]:
    word_logits = model.words.logits(rows.features)
    features = fluency_features_batch(scored, rows.gains, word_logits, model.word_prior_logit)
    counts = np.add.reduceat(scored.is_word.astype(np.int64), scored.starts).tolist()
    probs = _probability(model, features)
    return [float(p) if count >= MIN_WORDS else 0.0 for count, p in zip(counts, probs)]


# texts x longest text's tokens per batch: the per-text padded arrays stay ~10 MB
BATCH_SLOTS = 1 << 15


def _chunks(tokens: list[list[str]]) -> list[list[list[str]]]:
    """The texts in order, cut into batches whose padded per-text arrays stay small.

    Some per-text steps pad every text to the batch's longest, so one long text among thousands of
    short ones would ask for gigabytes; a text is scored the same in any batch.
    """
    return [tokens[first:end] for first, end in _chunk_ranges([len(text) for text in tokens])]


def _chunk_ranges(sizes: list[int]) -> list[tuple[int, int]]:
    """`_chunks` as (first, end) ranges of texts of these token counts."""
    chunks: list[tuple[int, int]] = []
    first = longest = 0
    for i, size in enumerate(sizes):
        size += 2  # with the boundary tokens around it
        if i > first and (i - first + 1) * max(longest, size) > BATCH_SLOTS:
            chunks.append((first, i))
            first, longest = i, 0
        longest = max(longest, size)
    if first < len(sizes):
        chunks.append((first, len(sizes)))
    return chunks


def spin_score(text: str) -> float:
    """How likely a text is spun (words swapped for synonyms out of context), in [0, 1]."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    return spin_scores([text])[0]


def _likelier_word(fluency: FluencyModel, scored: Scored, position: int) -> str | None:
    ids = scored.ids
    alts = fluency.alt_ids[
        fluency.alt_offsets[ids[position]] : fluency.alt_offsets[ids[position] + 1]
    ].astype(np.int64)
    if len(alts) == 0 or position + 1 >= len(ids):
        return None
    left, _ = bigram_log_prob(fluency, np.full(len(alts), ids[position - 1]), alts)
    right, _ = bigram_log_prob(fluency, alts, np.full(len(alts), ids[position + 1]))
    return _words(fluency)[int(alts[np.argmax(left + right)])]


_WORD_LISTS: dict[int, list[str]] = {}


def _words(fluency: FluencyModel) -> list[str]:
    """The vocabulary as a list indexed by id, built once per model."""
    if id(fluency) not in _WORD_LISTS:
        _WORD_LISTS[id(fluency)] = list(fluency.vocab)  # insertion order is id order
    return _WORD_LISTS[id(fluency)]


def spin_evidence(text: str) -> SpinResult:
    """The spin score of a text with the out-of-place words and unseen word pairs behind it."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    model = _spin_model()
    scored, gains, word_logits, features = analyse(model, text)
    if scored.is_word.sum() < MIN_WORDS:
        return SpinResult(0.0, (), ())
    score = float(_probability(model, features[None, :])[0])
    suspects = np.flatnonzero(scored.is_word & (word_logits > 0))
    ranked = sorted(suspects.tolist(), key=lambda i: -word_logits[i])[:MAX_EVIDENCE]
    words = []
    for i in sorted(ranked):
        better = _likelier_word(model.fluency, scored, i) if gains[i] > math.log(10) else None
        words.append(f"{scored.tokens[i]}->{better}" if better else scored.tokens[i])
    unseen = [
        i
        for i in np.flatnonzero(~scored.seen & scored.is_word).tolist()
        if scored.tokens[i - 1][0].isalpha()
    ]
    worst = sorted(unseen, key=lambda i: scored.slor[i])[:MAX_EVIDENCE]
    bigrams = tuple(f"{scored.tokens[i - 1]} {scored.tokens[i]}" for i in sorted(worst))
    return SpinResult(score, tuple(words), bigrams)


explain_spin = spin_evidence
