"""Feature families on pages built from blocks, without HTML."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from quality.features import FEATURE_NAMES, page_matrix
from quality.features.page import guess_language, page_data
from tests.blockfactory import make_block, make_page

ARTICLE = (
    "The harbour ferry resumed its crossings on Monday after engineers replaced the worn propeller "
    "shaft, and the first boat carried commuters across the bay before eight in the morning."
)


def col(X, name):
    return X[:, FEATURE_NAMES.index(name)]


def test_matrix_shape_names_unique_and_finite():
    blocks = make_page(
        "Home",
        ARTICLE,
        ("Copyright © 2024 Harbour News", {"path": "html/body/footer/p", "in_footer": True}),
    )
    X = page_matrix(blocks, title="Harbour ferry resumes")
    assert X.shape == (3, len(FEATURE_NAMES))
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert np.isfinite(X).all()


def test_empty_page_gives_empty_matrix():
    assert page_matrix([]).shape == (0, len(FEATURE_NAMES))


def test_link_share_and_copyright_and_footer():
    blocks = make_page(
        ("Sport", {"linked": True}), ARTICLE, ("Copyright © 2024 Harbour News", {"in_footer": True})
    )
    X = page_matrix(blocks)
    assert col(X, "links__char_share").tolist() == [1.0, 0.0, 0.0]
    assert col(X, "template__text_copyright").tolist() == [0.0, 0.0, 1.0]
    assert col(X, "region__footer").tolist() == [0.0, 0.0, 1.0]


def test_class_words_inner_counts_template_vocabulary():
    blocks = [
        make_block("Share on Facebook", tokens=("post", "social", "share")),
        make_block(ARTICLE, 1, tokens=("post", "body")),
    ]
    X = page_matrix(blocks)
    assert col(X, "template__class_share").tolist() == [1.0, 0.0]
    assert col(X, "template__class_words_inner")[0] == 2.0  # "social" and "share"
    assert col(X, "template__class_article_inner")[1] == 2.0  # "post" and "body"


def test_stopword_share_follows_the_page_language():
    german = "Die Fähre fährt wieder über die Bucht, und die Pendler sind froh, dass der Betrieb nach der Reparatur läuft."
    page = page_data(make_page(german, german))
    assert page.lang == "de"
    X = page_matrix(make_page(german))
    # die, über, die, und, die, sind, dass, der, nach, der: 10 of its 19 words
    assert col(X, "text__stopword_share")[0] == 10 / 19


def test_cjk_page_is_recognised():
    text = (
        "渡船在周一恢复了航行，工程师更换了磨损的螺旋桨轴，第一班船在早上八点前把通勤者送过了海湾。"
        * 8
    )
    assert guess_language([[]], text) == "zh"
    X = page_matrix(make_page(text))
    assert col(X, "text__cjk_share")[0] > 0.8
    assert col(X, "text__stopword_share")[0] > 0.05


def test_repeat_in_page_and_title_overlap():
    blocks = make_page("Subscribe now", ARTICLE, "Subscribe now", "Harbour ferry resumes crossings")
    X = page_matrix(blocks, title="Harbour ferry resumes crossings | Harbour News")
    assert col(X, "template__repeat_in_page").tolist() == [np.log(2), 0.0, np.log(2), 0.0]
    # 4 of the title's 5 words of 3+ letters (harbour ferry resumes crossings; not news)
    assert col(X, "template__title_overlap")[3] == 4 / 5
    assert col(X, "template__is_title")[3] == 1.0


def test_off_topic_teaser_run_scores_above_on_topic_caption():
    teaser_path = "html/body/aside/ul/li"
    teasers = [
        (f"{t} …", {"path": teaser_path, "in_list": True})
        for t in (
            "Celebrity chef opens seventh restaurant in the capital",
            "Ten garden plants that survive any winter weather",
            "Football club signs goalkeeper from rival league",
            "Mortgage rates climb again as lenders tighten rules",
        )
    ]
    caption = (
        "Commuters board the repaired harbour ferry on Monday morning",
        {"path": "html/body/div/figcaption"},
    )
    blocks = make_page(ARTICLE, caption, ARTICLE.replace("Monday", "Tuesday"), *teasers)
    X = page_matrix(blocks)
    off = col(X, "teaser__off_topic")
    sim = col(X, "teaser__topic_similarity")
    assert sim[1] > 0.5 > sim[3:].max()
    assert off[3:].min() > off[1]
    assert col(X, "teaser__ellipsis")[3:].tolist() == [1.0] * 4
    assert col(X, "teaser__periodic")[3:].min() == 1.0


def test_context_columns_see_neighbours():
    blocks = make_page(("Menu", {"linked": True}), ARTICLE, "Short")
    X = page_matrix(blocks)
    assert col(X, "context__links__char_share__at-1").tolist() == [0.0, 1.0, 0.0]
    assert col(X, "context__links__char_share__at+1").tolist() == [0.0, 0.0, 0.0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=80).filter(lambda t: t.strip()), min_size=1, max_size=12),
    st.text(max_size=40),
)
def test_any_text_gives_finite_deterministic_features(texts, title):
    blocks = make_page(*[" ".join(t.split()) or "x" for t in texts])
    X = page_matrix(blocks, title=title)
    assert np.isfinite(X).all()
    share_cols = [
        i
        for i, n in enumerate(FEATURE_NAMES)
        if n.endswith("_share") and not n.startswith("context")
    ]
    assert (X[:, share_cols] >= 0).all() and (X[:, share_cols] <= 1).all()
    assert np.array_equal(X, page_matrix(blocks, title=title))
