"""Spun-text score: fluency features of a paragraph fed to a small logistic model.

The weights and the feature scaling are applied here with numpy, so scoring needs no sklearn and a
100-word paragraph takes well under a millisecond.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._models import load_model
from .fluency import FEATURE_NAMES, FluencyModel, Scored, fluency_features, score_tokens, swap_gains, tokenize, word_badness

MAX_EVIDENCE = 5
MIN_WORDS = 1


@dataclass(frozen=True, slots=True)
class SpinModel:
    """A fluency model and the standardised logistic weights over its features."""

    fluency: FluencyModel
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
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


def _analyse(model: SpinModel, text: str) -> tuple[Scored, np.ndarray, np.ndarray]:
    scored = score_tokens(model.fluency, tokenize(text))
    gains = swap_gains(model.fluency, scored)
    return scored, gains, fluency_features(scored, gains)


def _probability(model: SpinModel, features: np.ndarray) -> np.ndarray:
    z = ((features - model.mean) / model.scale) @ model.coef + model.intercept
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


def spin_scores(texts: list[str]) -> list[float]:
    """Spin scores in [0, 1] for many texts with one model call; texts without words score 0."""
    model = _spin_model()
    rows = [_analyse(model, text) for text in texts]
    if not rows:
        return []
    probs = _probability(model, np.vstack([features for _, _, features in rows]))
    return [float(p) if scored.is_word.sum() >= MIN_WORDS else 0.0 for (scored, _, _), p in zip(rows, probs)]


def spin_score(text: str) -> float:
    """How likely a text is spun (words swapped for synonyms out of context), in [0, 1]."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    return spin_scores([text])[0]


def _likelier_word(fluency: FluencyModel, scored: Scored, position: int) -> str | None:
    from .fluency import bigram_log_prob

    ids = scored.ids
    alts = fluency.alt_ids[fluency.alt_offsets[ids[position]] : fluency.alt_offsets[ids[position] + 1]].astype(np.int64)
    if len(alts) == 0 or position + 1 >= len(ids):
        return None
    left, _ = bigram_log_prob(fluency, np.full(len(alts), ids[position - 1]), alts)
    right, _ = bigram_log_prob(fluency, alts, np.full(len(alts), ids[position + 1]))
    words = list(fluency.vocab)  # insertion order is id order
    return words[int(alts[np.argmax(left + right)])]


def spin_evidence(text: str) -> SpinResult:
    """The spin score of a text with the out-of-place words and unseen word pairs behind it."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    model = _spin_model()
    scored, gains, features = _analyse(model, text)
    if scored.is_word.sum() < MIN_WORDS:
        return SpinResult(0.0, (), ())
    score = float(_probability(model, features[None, :])[0])
    badness = word_badness(scored)
    suspects = np.flatnonzero(scored.is_word & ((gains > math.log(10)) | (~scored.seen & badness > 0)))
    ranked = sorted(suspects.tolist(), key=lambda i: -(max(gains[i], 0.0) + badness[i]))[:MAX_EVIDENCE]
    words = []
    for i in sorted(ranked):
        better = _likelier_word(model.fluency, scored, i) if gains[i] > math.log(10) else None
        words.append(f"{scored.tokens[i]}->{better}" if better else scored.tokens[i])
    unseen = [i for i in np.flatnonzero(~scored.seen & scored.is_word).tolist() if scored.tokens[i - 1][0].isalpha()]
    worst = sorted(unseen, key=lambda i: scored.slor[i])[:MAX_EVIDENCE]
    bigrams = tuple(f"{scored.tokens[i - 1]} {scored.tokens[i]}" for i in sorted(worst))
    return SpinResult(score, tuple(words), bigrams)


explain_spin = spin_evidence
