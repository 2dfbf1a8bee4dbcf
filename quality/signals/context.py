"""Topic fit: does each word belong with the rest of its paragraph, or would a synonym belong better?

A spinner's synonym is often a wrong sense of the word it replaced ("delegated" for "classified",
"records mining" for "data mining"), so it strays from the paragraph's topic while the replaced word,
one of its own thesaurus synonyms, would sit close to it. Words are compared by small distributional
vectors (SVD of positive PMI co-occurrence counts within five words, trained on clean text); the
features are each word's cosine to its paragraph and to its ten-word window, and how much closer its
best thesaurus alternative comes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fluency import FluencyModel, Scored

WINDOW = 5  # words each side that make a word's local context
MIN_CONTEXT_WORDS = 3  # fewer words with vectors than this: no paragraph topic to fit
TOPIC_FEATURE_NAMES = ("has_vector", "topic_fit", "window_fit", "alt_topic_gain", "alt_window_gain")


@dataclass(frozen=True, slots=True)
class TopicVectors:
    """Unit-length word vectors for the commonest content words, indexed through the fluency vocabulary."""

    row: np.ndarray  # int32 per fluency vocabulary id: row of `vectors`, -1 for words without one
    vectors: np.ndarray  # float32 (n_words, dims), unit rows

    def __reduce__(self):
        # int8 with one scale per row is a quarter of the float32 size and loses no measurable signal
        scale = np.abs(self.vectors).max(axis=1, keepdims=True) / 127.0
        quantised = np.round(self.vectors / np.maximum(scale, 1e-12)).astype(np.int8)
        return (_unpack_topics, (self.row, quantised, scale.astype(np.float32)))


def _unpack_topics(row: np.ndarray, quantised: np.ndarray, scale: np.ndarray) -> TopicVectors:
    """Rebuild pickled TopicVectors: scale the int8 rows back and renormalise them."""
    vectors = quantised.astype(np.float32) * scale
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return TopicVectors(row, vectors)


def topic_columns(
    topics: TopicVectors, fluency: FluencyModel, scored: Scored
) -> tuple[np.ndarray, ...]:
    """Per-token features in TOPIC_FEATURE_NAMES order, one array per feature (zeros for tokens
    without a vector).

    Only the words with a vector (under half the tokens) get their paragraph and window vectors
    built: the others' features are zero whatever their context.
    """
    ids = scored.ids
    n = len(ids)
    rows = topics.row[ids]
    has = (rows >= 0) & scored.is_word
    dims = topics.vectors.shape[1]
    starts = np.zeros(1, dtype=np.int64) if scored.starts is None else scored.starts
    ends = np.concatenate((starts[1:], [n]))
    sizes = ends - starts
    text = np.arange(len(starts)).repeat(sizes)
    place = np.arange(n) - starts[text]  # each token's position in its own text
    vec = has.nonzero()[0]  # the tokens with a vector
    own = topics.vectors[rows[vec]]
    text_v, place_v, size_v = text[vec], place[vec], sizes[text[vec]]
    # before[i]: how many of the tokens before i have a vector
    before = np.concatenate(([0], has.cumsum()))
    rank_v = np.arange(len(vec)) - before[starts][text_v]  # each vector's place among its text's
    # float32 sums run within each text from its first vector, in the order the text alone sums them,
    # so a text scores the same alone or among others: one zero-padded row of vectors per text (the
    # tokens without one would add zeros, which change no sum)
    bounds = before[np.concatenate((starts, [n]))]
    per_text = bounds[1:] - bounds[:-1]
    padded = np.zeros((len(starts), int(np.maximum.reduce(per_text)) + 1, dims), dtype=np.float32)
    padded[text_v, rank_v + 1] = own
    running = padded.cumsum(axis=1)  # running[t, k]: the sum of text t's first k vectors

    def vectors_before(end: np.ndarray) -> np.ndarray:
        """For each token with a vector, how many vectors its text has before position `end`."""
        return before[starts[text_v] + end] - before[starts[text_v]]

    # the paragraph without the word itself: the text's last running sum, which adds its vectors
    # in the order padded.sum(axis=1) does
    paragraph = running[text_v, -1] - own
    window = (
        running[text_v, vectors_before(np.minimum(place_v + WINDOW + 1, size_v))]
        - running[text_v, vectors_before(np.maximum(place_v - WINDOW, 0))]
        - own
    )
    # what np.linalg.norm(x, axis=1) computes for real rows, without its Python-level checks
    paragraph_norm = np.maximum(np.sqrt(np.add.reduce(paragraph * paragraph, axis=1)), 1e-9)
    window_norm = np.sqrt(np.add.reduce(window * window, axis=1))
    fits_v = (per_text >= MIN_CONTEXT_WORDS)[text_v]
    in_window_v = window_norm > 1e-6
    window_norm = np.maximum(window_norm, 1e-9)
    topic_fit_v = np.where(fits_v, np.add.reduce(own * paragraph, axis=1) / paragraph_norm, 0.0)
    window_fit_v = np.where(in_window_v, np.add.reduce(own * window, axis=1) / window_norm, 0.0)
    topic_fit, window_fit = np.zeros(n), np.zeros(n)
    topic_fit[vec] = topic_fit_v
    window_fit[vec] = window_fit_v
    topic_gain, window_gain = np.zeros(n), np.zeros(n)
    first_alt, end_alt = fluency.alt_offsets[ids[vec]], fluency.alt_offsets[ids[vec] + 1]
    at = ((end_alt > first_alt) & fits_v).nonzero()[0]  # among the tokens with a vector
    if len(at):
        counts = (end_alt - first_alt)[at]
        owner = at.repeat(counts)
        first = counts.cumsum() - counts
        slots = (
            np.arange(np.add.reduce(counts)) - first.repeat(counts) + first_alt[at].repeat(counts)
        )
        alt_rows = topics.row[fluency.alt_ids[slots]]
        known = (alt_rows >= 0).nonzero()[0]  # a quarter of the alternatives have no vector
        alt_vectors = topics.vectors[alt_rows[known]]
        mine = owner[known]
        # each row's cosine as einsum gives it for that row alone; -2 for the rows without a vector
        topic_known = np.einsum("ij,ij->i", alt_vectors, paragraph[mine]) / paragraph_norm[mine]
        window_known = np.einsum("ij,ij->i", alt_vectors, window[mine]) / window_norm[mine]
        topic_cos = np.empty(len(slots), dtype=topic_known.dtype)
        window_cos = np.empty(len(slots), dtype=window_known.dtype)
        topic_cos.fill(-2.0)
        window_cos.fill(-2.0)
        topic_cos[known] = topic_known
        window_cos[known] = window_known
        # each position's alternatives are one contiguous run starting at `first`: reduce the runs
        best_topic = np.maximum.reduceat(topic_cos, first)
        best_window = np.maximum.reduceat(window_cos, first)
        has_alt = best_topic > -2.0
        positions = vec[at]
        topic_gain[positions] = np.where(has_alt, best_topic - topic_fit_v[at], 0.0)
        window_gain[positions] = np.where(
            has_alt & in_window_v[at], best_window - window_fit_v[at], 0.0
        )
    return has.astype(float), topic_fit, window_fit, topic_gain, window_gain
