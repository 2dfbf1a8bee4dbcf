"""The gold readers, the block alignment and the main-text metric, on hand-made inputs."""

import pytest

from quality import corpus
from tests.blockfactory import make_page


def test_shingles_are_word_4grams_and_short_texts_one_shingle():
    assert corpus.shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert corpus.shingles("Hello, world!") == {("Hello", "world"): 1}
    assert corpus.shingles("  ") == {}


def test_match_counts_are_multiset_overlaps():
    # gold 4-grams: (a b c d) (b c d e); predicted: (a b c d) twice via repetition, (x a b c), ...
    tp, fp, fn = corpus.match_counts("a b c d e", "a b c d e")
    assert (tp, fp, fn) == (2, 0, 0)
    tp, fp, fn = corpus.match_counts("a b c d x", "a b c d e")
    assert (tp, fp, fn) == (1, 1, 1)
    assert corpus.match_counts("", "a b c d") == (0, 0, 1)


def test_main_text_score_averages_per_page_and_skips_undefined():
    # Page 1: P=1, R=0.5. Page 2: nothing predicted -> precision undefined, recall 0.
    score = corpus.main_text_score([(1, 0, 1), (0, 0, 3)])
    assert score.precision == pytest.approx(1.0)
    assert score.recall == pytest.approx(0.25)
    assert score.f1 == pytest.approx(2 * 1.0 * 0.25 / 1.25)
    assert score.pages == 2


def test_label_blocks_follows_gold_words_in_order():
    blocks = make_page(
        "Home News Sport",
        "The ferry left the harbour at dawn with forty passengers aboard.",
        "Share this story",
        "It returned at noon after the wind dropped.",
    )
    gold = [
        (w.lower(), 2)
        for w in corpus.WORD.findall(
            "The ferry left the harbour at dawn with forty passengers aboard. It returned at noon after the wind dropped."
        )
    ]
    labels = corpus.label_blocks(blocks, gold, l3s=False)
    assert labels.article == (False, True, False, True)
    assert labels.matched[1] == 1.0 and labels.matched[0] == 0.0


def test_l3s_words_carry_span_classes():
    markup = (
        '<html><body><span class="x-nc-sel0">Menu</span>'
        '<div><span class="x-nc-sel1">Big headline</span></div>'
        '<p><span class="x-nc-sel2">Body text here.</span></p>'
        '<span class="x-nc-sel4">Other story teaser</span><script>var x;</script></body></html>'
    )
    words = corpus.l3s_words(markup)
    assert words == [
        ("Menu", 0),
        ("Big", 1),
        ("headline", 1),
        ("Body", 2),
        ("text", 2),
        ("here", 2),
        ("Other", 4),
        ("story", 4),
        ("teaser", 4),
    ]
    blocks = make_page("Menu", "Big headline", "Body text here.", "Other story teaser")
    labels = corpus.label_blocks(blocks, [(w.lower(), c) for w, c in words], l3s=True)
    assert labels.article == (False, True, True, False)
    assert labels.l3s_class == (0, 1, 2, 4)


def test_manifest_reads_all_sets(data_root):
    pages = corpus.manifest(data_root)
    assert {p.set for p in pages} >= {"l3s-gn1", "cleaneval-final", "dragnet", "readability"}
    dev = corpus.pages("dev", data_root)
    assert dev and all(p.gold.is_file() for p in dev)
