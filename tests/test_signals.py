"""The spun-text and clickbait scorers: ranges, types, evidence, and hand-written cases."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quality.signals import (
    clickbait_evidence,
    clickbait_score,
    clickbait_scores,
    spin_evidence,
    spin_score,
    spin_scores,
)

# Written for these tests in the shape of a content farm's spun news copy: each spun sentence is its
# clean twin with words swapped for out-of-context synonyms, the way a thesaurus spinner does it.
SPUN_PAIRS = [
    (
        "The animals are listed as endangered by the international conservation body, "
        "and their numbers have fallen sharply in recent years.",
        "The creatures are recorded as jeopardized by the worldwide preservation body, "
        "and their figures have plummeted pointedly in late years.",
    ),
    (
        "The incoming police chief said the total street value of the seized drugs was about two million dollars.",
        "The approaching police boss said the general road worth of the grabbed medications was around two million bucks.",
    ),
    (
        "Residents were asked to stay indoors while firefighters brought the blaze under control.",
        "Inhabitants were requested to remain inside while fire fighters carried the conflagration below command.",
    ),
]
BAIT = [
    "You Won't Believe What This Dog Did At The Beach",
    "17 Things Only People Who Grew Up In The 90s Will Understand",
    "This Simple Trick Will Change The Way You Cook Pasta Forever",
]
NEWS = [
    "Parliament approves budget after lengthy debate",
    "Central bank holds interest rates steady amid slowing inflation",
    "Flooding forces evacuation of villages in northern province",
]


@pytest.mark.parametrize(("clean", "spun"), SPUN_PAIRS)
def test_spun_sentence_scores_above_its_clean_original(clean: str, spun: str) -> None:
    assert spin_score(spun) > spin_score(clean)


@pytest.mark.parametrize(("clean", "spun"), SPUN_PAIRS)
def test_spin_evidence_names_words_of_the_spun_text(clean: str, spun: str) -> None:
    result = spin_evidence(spun)
    assert result.score == pytest.approx(spin_score(spun))
    assert result.words or result.bigrams
    spun_words = set(spun.lower().replace(",", " ").replace(".", " ").split())
    for entry in result.words:
        assert entry.split("->")[0] in spun_words
    for pair in result.bigrams:
        assert set(pair.split()) <= spun_words


def test_spin_batch_matches_single_calls() -> None:
    texts = [clean for clean, _ in SPUN_PAIRS] + [spun for _, spun in SPUN_PAIRS] + ["", "!!!"]
    assert spin_scores(texts) == pytest.approx([spin_score(t) for t in texts])
    assert spin_scores([]) == []


def test_texts_without_words_score_zero() -> None:
    assert spin_score("") == 0.0
    assert spin_score(" 12 , ... ") == 0.0
    assert clickbait_score("") == 0.0
    assert spin_evidence("").words == ()


@pytest.mark.parametrize("scorer", [spin_score, clickbait_score, spin_evidence, clickbait_evidence])
def test_wrong_type_raises_type_error(scorer) -> None:
    with pytest.raises(TypeError):
        scorer(b"bytes are not text")


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_scores_are_probabilities_for_any_text(text: str) -> None:
    for score in (spin_score(text), clickbait_score(text)):
        assert 0.0 <= score <= 1.0 and math.isfinite(score)


@pytest.mark.parametrize(("bait", "news"), list(zip(BAIT, NEWS)))
def test_bait_headline_scores_above_news_headline(bait: str, news: str) -> None:
    assert clickbait_score(bait) > 0.5 > clickbait_score(news)


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=120))
def test_clickbait_ignores_letter_case(text: str) -> None:
    assert clickbait_score(text.lower()) == pytest.approx(clickbait_score(text.upper()))


def test_clickbait_evidence_names_tokens_of_the_headline() -> None:
    result = clickbait_evidence(BAIT[1])
    assert result.score > 0.5
    assert result.tokens
    assert "leading_number" in result.tokens or "17" in result.tokens
    assert clickbait_scores(BAIT + NEWS) == pytest.approx([clickbait_score(h) for h in BAIT + NEWS])
