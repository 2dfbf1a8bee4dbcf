"""Parts of the spun-text scorer on hand-made toy models: topic fit, collocation lookup, learned replacements."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

from quality.signals.context import TopicVectors, topic_columns
from quality.signals.fluency import FluencyModel, bigram_lookup, score_tokens, swap_gains, tokenize

WORDS = ["<unk>", "<s>", "money", "loan", "river", "bank", "interest"]


def toy_fluency(
    alternatives: dict[str, list[str]], pairs: dict[tuple[str, str], tuple[int, float]]
) -> FluencyModel:
    """A FluencyModel over WORDS with uniform unigrams, the given (count, collocation PMI) bigrams and alternatives."""
    vocab = {w: i for i, w in enumerate(WORDS)}
    n = len(WORDS)
    offsets, flat = [0], []
    for word in WORDS:
        flat.extend(vocab[a] for a in alternatives.get(word, []))
        offsets.append(len(flat))
    keyed = sorted((vocab[a] * n + vocab[b], count, pmi) for (a, b), (count, pmi) in pairs.items())
    keys = np.array([k for k, _, _ in keyed], dtype=np.int64)
    counts = np.array([c for _, c, _ in keyed], dtype=np.int32)
    context_count = np.zeros(n, dtype=np.int32)
    context_types = np.zeros(n, dtype=np.int32)
    np.add.at(context_count, keys // n, counts)
    np.add.at(context_types, keys // n, (counts > 0).astype(np.int32))
    return FluencyModel(
        vocab=vocab,
        log_unigram=np.full(n, np.log(1 / n), dtype=np.float32),
        context_count=context_count,
        context_types=context_types,
        bigram_keys=keys,
        bigram_counts=counts,
        alt_offsets=np.array(offsets, dtype=np.int32),
        alt_ids=np.array(flat, dtype=np.int32),
        collocation=np.array([p for _, _, p in keyed], dtype=np.float16),
    )


def toy_topics(fluency: FluencyModel) -> TopicVectors:
    """Money words point one way, "river" the other; "bank" sits with the money words."""
    vectors = {
        "money": (1.0, 0.0),
        "loan": (1.0, 0.0),
        "interest": (1.0, 0.0),
        "bank": (1.0, 0.0),
        "river": (0.0, 1.0),
    }
    row = np.full(len(fluency.vocab), -1, dtype=np.int32)
    table = []
    for word, vector in vectors.items():
        row[fluency.vocab[word]] = len(table)
        table.append(vector)
    return TopicVectors(row=row, vectors=np.array(table, dtype=np.float32))


def test_off_topic_word_with_an_on_topic_synonym_gains_from_the_swap() -> None:
    fluency = toy_fluency({"river": ["bank"]}, {("money", "loan"): (2, np.nan)})
    scored = score_tokens(fluency, tokenize("money loan river interest"))
    features = np.column_stack(topic_columns(toy_topics(fluency), fluency, scored))
    river = scored.tokens.index("river")
    has_vector, topic_fit, _, topic_gain, _ = features[river]
    # by hand: the rest of the paragraph sums to (3, 0), orthogonal to river (0, 1) and parallel to bank (1, 0)
    assert has_vector == 1.0
    assert topic_fit == pytest.approx(0.0, abs=1e-6)
    assert topic_gain == pytest.approx(1.0, abs=1e-6)
    money = scored.tokens.index("money")
    assert features[money][1] == pytest.approx(2 / np.sqrt(5), abs=1e-6)  # (1,0).(2,1)/|(2,1)|
    assert features[0].tolist() == [0.0] * 5  # the boundary token has no vector


def test_topic_vectors_survive_pickling_as_int8() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    topics = TopicVectors(row=np.arange(50, dtype=np.int32), vectors=vectors)
    back = pickle.loads(pickle.dumps(topics))
    assert np.allclose(np.linalg.norm(back.vectors, axis=1), 1.0, atol=1e-5)
    # int8 steps are 1/127 of each row's largest entry
    assert np.abs(back.vectors - vectors).max() < 0.02


def test_bigram_lookup_tells_counted_from_listed_only_pairs() -> None:
    fluency = toy_fluency({}, {("money", "loan"): (3, 2.5), ("river", "bank"): (0, 4.0)})
    ids = fluency.vocab
    prev = np.array([ids["money"], ids["river"], ids["loan"]])
    cur = np.array([ids["loan"], ids["bank"], ids["money"]])
    _, seen, collocation = bigram_lookup(fluency, prev, cur)
    assert seen.tolist() == [True, False, False]
    assert collocation[0] == pytest.approx(2.5) and collocation[1] == pytest.approx(4.0)
    assert np.isnan(collocation[2])


def test_alternative_forming_listed_collocations_is_counted_on_both_sides() -> None:
    # "money river interest": bank would make two listed pairs (money bank, bank interest), river none
    pairs = {("money", "bank"): (0, 3.0), ("bank", "interest"): (0, 5.0)}
    fluency = toy_fluency({"river": ["bank"]}, pairs)
    scored = score_tokens(fluency, tokenize("money river interest"))
    swaps = swap_gains(fluency, scored)
    river = scored.tokens.index("river")
    assert swaps.listed_fits[river] == 2.0
    # unlisted pairs count -10
    assert swaps.listed_gain[river] == pytest.approx((3.0 + 5.0) - (-10.0 - 10.0))


def test_learned_replacements_align_words_of_same_length_phrases() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from train_spin import tortured_substitutions

    found = tortured_substitutions(
        [
            ("counterfeit consciousness", "artificial intelligence"),
            ("profound learning", "deep learning"),
            ("bosom", "breast cancer"),  # lengths differ: no word alignment
        ]
    )
    assert found == {
        "counterfeit": ["artificial"],
        "consciousness": ["intelligence"],
        "profound": ["deep"],
    }


def test_documentation_text_keeps_prose_and_cuts_code_as_sentence_breaks(
    tmp_path, monkeypatch
) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import train_spin

    folder = tmp_path / "html"
    (folder / "_sources").mkdir(parents=True)
    page = (
        "<html><body><nav><p>Home Install User Guide API Examples Community About Us</p></nav>"
        "<p>The random forest averages many decision trees fitted on bootstrap samples of data.</p>"
        "<p>Set the <code>n_estimators</code> parameter to choose how many trees the forest grows.</p>"
        "<pre>forest = RandomForestClassifier(n_estimators=100, random_state=0).fit(X, y)</pre>"
        "<p>Too short to count here.</p>"
        "<ul><li><p>A list item whose own paragraph is read once and not twice over.</p></li></ul>"
        "<p>The random forest averages many decision trees fitted on bootstrap samples of data.</p>"
        "</body></html>"
    )
    (folder / "forest.html").write_text(page, encoding="utf-8")
    source = "<p>A page under _sources is the markup source of another page: never read.</p>"
    (folder / "_sources" / "forest.html").write_text(source, encoding="utf-8")
    monkeypatch.setitem(train_spin.DOCUMENTATION, "toy", str(folder))
    assert train_spin.documentation_text(("toy",)) == [
        "The random forest averages many decision trees fitted on bootstrap samples of data.",
        "Set the . parameter to choose how many trees the forest grows.",
        "A list item whose own paragraph is read once and not twice over.",
    ]
    monkeypatch.setitem(train_spin.DOCUMENTATION, "missing", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError):
        train_spin.documentation_text(("missing",))


def test_a_vocabulary_without_punctuation_tokens_gets_no_token_table() -> None:
    # the toy vocabulary has no "," or "<num>": a token's id would not tell a word from the rest,
    # so spin_scores keeps to tokenize and score_texts for such a model
    assert toy_fluency({}, {}).token_table is None
