"""Spun-text score: fluency features of a paragraph fed to a small logistic model.

The weights and the feature scaling are applied here with numpy, so scoring needs no sklearn and a
100-word paragraph takes well under a millisecond.
"""

from __future__ import annotations

import math
from dataclasses import MISSING, dataclass, fields

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
    # texts of fewer words than short_below are scored by these word and paragraph models instead: a
    # sentence of a few words, tortured phrases among them, learns badly among long paragraphs. The
    # short word model's log-odds are shifted to share word_prior_logit. 0: one set of models for all.
    short_words: Linear | Mlp | None = None
    short_paragraph: Linear | Mlp | None = None
    short_below: int = 0


def _setstate(self: SpinModel, state) -> None:
    """Unpickle a SpinModel from its field values in order; a file written before the later fields
    existed (the shipped model predates the short-text ones) holds fewer, and the rest take their
    defaults."""
    values = list(state)
    for i, field in enumerate(fields(SpinModel)):
        value = values[i] if i < len(values) else field.default
        if value is MISSING:
            raise ValueError(f"spin model file lacks its {field.name!r} field: retrain it")
        object.__setattr__(self, field.name, value)


# set after the class is made: the dataclass decorator installs its own for frozen slotted classes
SpinModel.__setstate__ = _setstate


def is_short(model: SpinModel, n_words: np.ndarray) -> np.ndarray:
    """Which texts (by their word counts) the short-text models score."""
    return n_words < model.short_below


def word_logits(
    model: SpinModel, features: np.ndarray, short: np.ndarray | None = None
) -> np.ndarray:
    """Per-token swap log-odds from word-model rows; rows where `short` holds take the short model."""
    return _routed_logits(model.words, model.short_words, features, short)


def _routed_logits(
    main: Linear | Mlp, short_model: Linear | Mlp | None, x: np.ndarray, short: np.ndarray | None
) -> np.ndarray:
    """`main`'s log-odds for the rows of x, `short_model`'s for the rows where `short` holds."""
    logits = main.logits(x)
    if short is not None and short.any():
        logits[short] = short_model.logits(x[short])
    return logits


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
    short = bool(is_short(model, np.array([scored.is_word.sum()]))[0])
    logits = word_logits(model, rows.features, np.full(len(gains), short))
    return (
        scored,
        gains,
        logits,
        fluency_features(scored, gains, logits, model.word_prior_logit),
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


def _probability(
    model: SpinModel, features: np.ndarray, short: np.ndarray | None = None
) -> np.ndarray:
    """Spin probabilities of paragraph-feature rows; rows where `short` holds take the short model."""
    logits = _routed_logits(model.paragraph, model.short_paragraph, features, short)
    return 1.0 / (1.0 + np.exp(-clip(logits, -30.0, 30.0)))


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
    counts = np.add.reduceat(scored.is_word.astype(np.int64), scored.starts)
    short = token_short = None
    if model.short_below:  # only a model with short-text models pays for routing
        short = is_short(model, counts)
        token_short = np.repeat(short, np.diff(np.append(scored.starts, len(scored.ids))))
    logits = word_logits(model, rows.features, token_short)
    features = fluency_features_batch(scored, rows.gains, logits, model.word_prior_logit)
    probs = _probability(model, features, short)
    return [float(p) if count >= MIN_WORDS else 0.0 for count, p in zip(counts.tolist(), probs)]


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
    scored, gains, logits, features = analyse(model, text)
    if scored.is_word.sum() < MIN_WORDS:
        return SpinResult(0.0, (), ())
    short = is_short(model, np.array([scored.is_word.sum()]))
    score = float(_probability(model, features[None, :], short)[0])
    suspects = np.flatnonzero(scored.is_word & (logits > 0))
    ranked = sorted(suspects.tolist(), key=lambda i: -logits[i])[:MAX_EVIDENCE]
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
