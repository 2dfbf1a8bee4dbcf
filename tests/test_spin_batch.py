"""Batched spin scoring: every text scores the same among others as alone, whatever its neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from quality.errors import ModelError
from quality.signals._models import load_model
from quality.signals.fluency import score_texts, score_tokens, tokenize
from quality.signals.grammar import class_fit_columns
from quality.signals.spin import (
    MIN_WORDS,
    _probability,
    _spin_model,
    analyse,
    is_short,
    spin_scores,
    word_logits,
)

LONG = (
    "The committee met on Tuesday to review the budget for the coming year. Members agreed that the "
    "library needs new shelves, longer opening hours and a part-time archivist, and asked the treasurer "
    "to find savings elsewhere. The river path will be resurfaced in spring, once the ground has dried, "
    "and the old footbridge near the mill is to be inspected by an engineer before the summer festival. "
    "Residents who want to comment on the plans can write to the town hall until the end of the month."
)
SPUN = (
    "Information mining is the procedure of finding examples in enormous informational collections "
    "including techniques at the crossing point of machine learning, insights, and database frameworks."
)
TEXTS = [
    "",
    "word",
    "...!? ,;:",
    "12 34,5 1999 2024.",
    "zzxqv qwpoeiru blorft snarfle",
    "the of and to",
    "Hello.",
    "Stop. Go! Wait? Yes.",
    "It's the river's bank, isn't it",
    LONG,
    SPUN,
    LONG + " " + SPUN,
    "Numbers 1 2 3 and words like ferry, pier and passengers.",
]


@pytest.fixture(scope="module")
def model():
    try:
        return load_model("spin")
    except ModelError as error:
        pytest.skip(f"spin model missing: {error}")


def spin_scores_one_by_one(texts: list[str]) -> list[float]:
    """Spin scores computed text by text through `analyse`, as `spin_scores` did before batching."""
    model = _spin_model()
    rows = [analyse(model, text) for text in texts]
    if not rows:
        return []
    short = is_short(model, np.array([row[0].is_word.sum() for row in rows]))
    probs = _probability(model, np.vstack([row[3] for row in rows]), short)
    return [float(p) if row[0].is_word.sum() >= MIN_WORDS else 0.0 for row, p in zip(rows, probs)]


def test_batch_matches_one_by_one(model):
    assert np.allclose(spin_scores(TEXTS), spin_scores_one_by_one(TEXTS), rtol=0, atol=1e-9)


def test_score_does_not_depend_on_neighbours(model):
    alone = [spin_scores([text])[0] for text in TEXTS]
    rng = np.random.default_rng(0)
    for _ in range(5):
        order = rng.permutation(len(TEXTS))
        batched = spin_scores([TEXTS[i] for i in order])
        assert np.allclose(batched, [alone[i] for i in order], rtol=0, atol=1e-9)


def test_texts_without_words_score_zero(model):
    scores = spin_scores(["", "...", "12 34", LONG])
    assert scores[:3] == [0.0, 0.0, 0.0]
    assert 0.0 <= scores[3] <= 1.0
    assert spin_scores([]) == []


def test_scored_run_equals_each_text_scored_alone(model):
    token_lists = [tokenize(text) for text in TEXTS]
    run = score_texts(model.fluency, token_lists)
    assert run.starts.tolist() == np.cumsum([0] + [len(t) for t in token_lists[:-1]]).tolist()
    for start, tokens in zip(run.starts.tolist(), token_lists):
        alone = score_tokens(model.fluency, tokens)
        end = start + len(tokens)
        for name in ("is_word", "slor", "seen", "log_unigram", "ids", "log_prob", "collocation"):
            assert np.array_equal(
                getattr(run, name)[start:end], getattr(alone, name), equal_nan=True
            ), name


def test_class_fit_run_equals_each_text_alone(model):
    token_lists = [tokenize(text) for text in TEXTS]
    run = score_texts(model.fluency, token_lists)
    fit = np.column_stack(class_fit_columns(model.grammar, run.ids, run.starts))
    for start, tokens in zip(run.starts.tolist(), token_lists):
        alone = np.column_stack(
            class_fit_columns(model.grammar, score_tokens(model.fluency, tokens).ids)
        )
        assert np.allclose(fit[start : start + len(tokens)], alone, rtol=0, atol=1e-12)


def test_batch_features_equal_each_text_alone(model):
    from quality.signals.fluency import fluency_features_batch
    from quality.signals.spin import analyse, word_rows

    run = score_texts(model.fluency, [tokenize(text) for text in TEXTS])
    rows = word_rows(model, run)
    n_words = np.add.reduceat(run.is_word.astype(np.int64), run.starts)
    sizes = np.diff(np.append(run.starts, len(run.ids)))
    short_tokens = np.repeat(is_short(model, n_words), sizes)
    batched = fluency_features_batch(
        run, rows.gains, word_logits(model, rows.features, short_tokens), model.word_prior_logit
    )
    assert batched.shape == (len(TEXTS), len(model.feature_names))
    for text, row in zip(TEXTS, batched):
        _, _, _, alone = analyse(model, text)
        assert np.allclose(row, alone, rtol=0, atol=1e-9), text
    assert not batched[
        0
    ].any()  # the empty text: all zeros, as fluency_features gives a text without words


def test_dev_paragraphs_batched_equal_one_by_one(model):
    import random
    import sys
    from pathlib import Path

    from quality.data_path import data_root

    if not (data_root() / "pages" / "manifest.tsv").is_file():
        pytest.skip(f"dev pages not found under {data_root()} (set QUALITY_DATA)")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from eval_signals import dev_paragraphs

    paragraphs = dev_paragraphs(limit=400)
    texts = paragraphs + [
        " ".join(p.split()[:40]) for p in paragraphs
    ]  # quality.check sends 40-word cuts
    rng = random.Random(0)
    rng.shuffle(texts)
    start = 0
    while start < len(texts):
        group = texts[start : start + rng.randint(1, 10)]
        start += len(group)
        assert np.allclose(spin_scores(group), spin_scores_one_by_one(group), rtol=0, atol=1e-9)


def test_one_long_text_among_many_short_ones_stays_small_and_scores_the_same():
    # Padding every text to the longest would need (2000 x 20,000 x 64) floats, about 10 GB.
    from quality.signals import spin as spin_module

    long_text = "The ferry crossed the bay while the crew checked the batteries. " * 1700
    texts = [long_text] + ["The council approved the new tram line on Tuesday."] * 2000
    chunks = spin_module._chunks([spin_module.tokenize(t) for t in texts])
    assert sum(len(c) for c in chunks) == len(texts)
    assert max(len(c) * max(len(t) + 2 for t in c) for c in chunks[1:]) <= spin_module.BATCH_SLOTS
    batched = spin_module.spin_scores(texts)
    assert batched[0] == pytest.approx(spin_module.spin_scores([long_text])[0], abs=1e-9)
    assert np.allclose(batched[1:], batched[1], rtol=0, atol=1e-9)
    assert 0.0 < batched[1] < 1.0


def test_ids_straight_from_texts_equal_the_tokens_looked_up(model):
    from quality.signals.fluency import text_ids

    tricky = [
        "Sentence ends. . !? and ... again?! Then words",
        "ends with a stop.",
        ". starts with one",  # after a text that ended on a boundary: its own boundary stays
        "\u0130stanbul and the Kelvin sign \u212a lower-case to ASCII letters; KELVIN.",
        "Curly \u2019quotes\u2018 it\u2019s, numbers 1,234.5 and 7 and \u0663\u0664 digits",
        "A'B'C o'clock 'tis ;:, ,",
        "zzqxv blorft snarfle",
    ]
    texts = TEXTS + tricky + TEXTS[::-1]
    token_lists = [tokenize(text) for text in texts]
    run = score_texts(model.fluency, token_lists)
    ids, starts = text_ids(model.fluency.token_table, texts)
    assert starts.tolist() == run.starts.tolist()
    assert ids.tolist() == run.ids.tolist()
    assert model.fluency.token_table.is_word[ids].tolist() == run.is_word.tolist()
    # by hand: the opening boundary, then one boundary for ". . !?", the words, "?!" one more
    first = ids[: starts[len(TEXTS) + 1]][starts[len(TEXTS)] :].tolist()
    vocab = model.fluency.vocab
    assert first[:5] == [vocab["<s>"], vocab["sentence"], vocab["ends"], vocab["<s>"], vocab["and"]]


def test_a_model_file_without_the_later_fields_gives_them_their_defaults():
    # the shipped file was written before the short-text fields: its pickled state holds the first
    # seven values only, and unpickling must not leave the other slots unset
    from dataclasses import fields

    from quality.signals.spin import SpinModel

    model = _spin_model()
    state = [getattr(model, f.name) for f in fields(SpinModel)][:7]
    old = SpinModel.__new__(SpinModel)
    old.__setstate__(state)
    assert (old.short_words, old.short_paragraph, old.short_below) == (None, None, 0)
    assert old.words is model.words and old.feature_names == model.feature_names
    with pytest.raises(ValueError, match="'word_prior_logit'"):
        SpinModel.__new__(SpinModel).__setstate__(state[:5])


def test_without_bitwise_count_the_key_index_gives_the_same_scores(model, monkeypatch):
    """On numpy < 2 (no `bitwise_count`) the class trigrams are found through a KeyIndex instead of
    the bitmap: a copy of the model loaded that way must score every text exactly as the shipped path."""
    import joblib

    from quality.signals import spin
    from quality.signals._models import models_dir
    from quality.signals.fluency import KeyBits

    monkeypatch.setattr(KeyBits, "fits", staticmethod(lambda limit: False))
    fallback = joblib.load(models_dir() / "spin.joblib")
    assert fallback.grammar.key_bits is None and fallback.grammar.key_index is not None
    assert model.grammar.key_bits is not None or not hasattr(np, "bitwise_count")
    expected = spin_scores(TEXTS)
    monkeypatch.setattr(spin, "_spin_model", lambda: fallback)
    assert spin_scores(TEXTS) == expected
