"""The shortcuts taken for speed give what the plain computation gives.

Each test states the plain computation (a character loop, the sentence regex, scoring every
candidate's spin) and checks the fast path against it.
"""

import re
from collections import Counter
from itertools import pairwise

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

import quality
from quality import model as model_module
from quality.features import lowq
from quality.features.page import char_counts, stopwords
from quality.features.text import _CLASSES

# Letters, digits, punctuation, sentence ends, CJK, Greek (final sigma), the dotted capital I.
ALPHABET = st.sampled_from(list("aZ9_ .!?,;'\"-…»|·•/\n\tİΣσςΟΔ。！？、，中文ÉéßÀ"))
TEXTS = st.text(ALPHABET, max_size=120)


@given(st.lists(TEXTS, max_size=8))
@settings(max_examples=200, deadline=None)
def test_char_counts_match_a_character_loop(texts):
    got = char_counts(texts, _CLASSES)
    assert got.shape == (len(texts), len(_CLASSES))
    for row, text in zip(got, texts):
        codes = np.array([ord(c) for c in text], dtype=np.uint32)
        for k, cls in enumerate(_CLASSES):
            mask = cls(codes) if callable(cls) else np.isin(codes, cls)
            assert row[k] == mask.sum()


def test_overlapping_classes_are_counted_each():
    vowels = np.array(sorted(map(ord, "aeiou")), dtype=np.uint32)
    letters = np.array(sorted(map(ord, "abcdefghijklmnopqrstuvwxyz")), dtype=np.uint32)
    got = char_counts(["banana split", "xyz"], (vowels, letters))
    assert got.tolist() == [[4.0, 11.0], [0.0, 3.0]]


_SENTENCE = re.compile(r"[^.!?]+[.!?]")
_TOKEN = re.compile(r"\w+")


def plain_block_row(text: str, lang: str) -> list[float]:
    """The low-quality features computed the direct way: a regex per sentence, generator sums."""
    stop = stopwords().get(lang) or stopwords()["en"]
    tokens = _TOKEN.findall(text)
    lower = [t.lower() for t in tokens]
    n = len(lower)
    if not n:
        return [0.0] * len(lowq.NAMES)
    is_stop = [w in stop for w in lower]
    sentences = _SENTENCE.findall(text)
    ends = starts = 0
    for s in sentences:
        words = _TOKEN.findall(s)
        if words:
            ends += words[-1].lower() in stop
            starts += words[0][:1].islower()
    n_sent = max(len(sentences), 1)
    content = [w for w, s in zip(lower, is_stop) if not s and len(w) > 2]
    bigrams = Counter(pairwise(lower))
    return [
        float(np.log1p(n)),
        sum(is_stop) / n,
        ends / n_sent,
        starts / n_sent,
        sum(1 for a, b in pairwise(is_stop) if a and b) / max(n - 1, 1),
        Counter(content).most_common(1)[0][1] / len(content) if content else 0.0,
        sum(c for c in bigrams.values() if c > 1) / max(n - 1, 1),
        len(set(lower)) / n,
        sum(1 for t in tokens[1:] if t[:1].isupper()) / max(n - 1, 1),
    ]


WORDY = st.lists(
    st.one_of(
        st.sampled_from(["the", "of", "The", "and", "It", "ferry", "Harbour", "ΣΑΣ", "İz"]), TEXTS
    ),
    max_size=30,
).map(" ".join)


@given(WORDY)
@settings(max_examples=300, deadline=None)
def test_lowq_block_row_matches_the_plain_computation(text):
    assert lowq.block_row(text, "en") == plain_block_row(text, "en")


ASCII_WORDY = st.lists(
    st.one_of(
        st.sampled_from(["the", "of", "The", "and", "It", "ferry", "Harbour", "A", "_x", "9am"]),
        st.text(st.sampled_from(list("aZ9_ .!?,;'\"-|/\n\tQ")), max_size=60),
    ),
    max_size=30,
).map(" ".join)


# ASCII words among non-ASCII non-word characters (curly quotes, dashes, a no-break space...), and
# the two characters whose lower case turns a non-ASCII word character into an ASCII one
PUNCTUATED = st.lists(
    st.one_of(
        st.sampled_from(["the", "of", "The", "It", "Harbour", "A", "_x", "9am", "caf\u00e9"]),
        st.text(
            st.sampled_from(
                list("aZ9_ .!?,\u2019\u201c\u201d\u2014\u00a0\u00a9\u2026\u0130\u212a")
            ),
            max_size=40,
        ),
    ),
    max_size=30,
).map(" ".join)


@given(st.one_of(ASCII_WORDY, WORDY, PUNCTUATED))
@settings(max_examples=400, deadline=None)
@example("Hello World. the end of it.")
@example("  'Quoted' Start! and (Paren) End?")
@example("\u201cQuoted\u201d Start\u2014and \u00a9 End\u2026 Fine.")
@example("\u0130stanbul \u212aelvin and Caf\u00e9 Wien.")
def test_lowq_block_row_from_the_pages_words_matches_the_plain_computation(text):
    # classify passes each block's words as the page computed them: \w+ runs of the lowered text
    words = re.findall(r"\w+", text.lower())
    assert lowq.block_row(text, "en", words) == plain_block_row(text, "en")


@given(st.lists(st.one_of(ASCII_WORDY, WORDY, PUNCTUATED), min_size=4, max_size=10), st.booleans())
@settings(max_examples=150, deadline=None)
def test_lowq_features_of_many_texts_match_the_plain_computation(texts, with_words):
    # several texts are counted at once, over numbered words: each row as the text alone gives it
    words = [re.findall(r"\w+", t.lower()) for t in texts] if with_words else None
    got = lowq.features(texts, "en", words)
    assert got.tolist() == [plain_block_row(t, "en") for t in texts]


def test_lower_case_keeps_non_ascii_word_characters_apart_from_ascii_ones():
    # lowq._words reads a text's words from the page's lowered words when those are all ASCII: it
    # relies on lower-casing turning no non-word character into a word one, and no non-ASCII word
    # character into ASCII ones alone, but for the two it checks for by name
    word = re.compile(r"\w")
    to_ascii, to_word = [], []
    for code in range(128, 0x110000):
        c = chr(code)
        lowered = c.lower()
        if word.match(c):
            if not any(ord(x) > 127 and word.match(x) for x in lowered):
                to_ascii.append(c)
        elif any(word.match(x) for x in lowered):
            to_word.append(c)
    assert to_ascii == list(lowq._LOWER_TO_ASCII_WORD)
    assert to_word == []


@given(st.lists(st.one_of(ASCII_WORDY, WORDY), min_size=1, max_size=6))
@settings(max_examples=100, deadline=None)
def test_page_words_of_ascii_blocks_are_their_lowered_words(texts):
    # classify hands PageData.words to lowq.features, which reads them as the lowered \w+ words of
    # each ASCII text: the page's word split must keep giving exactly those
    from quality.features.page import page_data
    from tests.blockfactory import make_page

    page = page_data(make_page(*texts))
    for text, words in zip(texts, page.words):
        if text.isascii():
            assert words == [t.lower() for t in re.findall(r"\w+", text)]


def _labels_and_reasons(report):
    return [(b.label, b.reasons) for b in report.blocks], report.label


def test_spin_gating_keeps_the_labels_of_full_scoring(data_root, monkeypatch):
    """On dev pages whose spin sample looks spun, scoring only what can change a label changes none."""
    from quality import corpus

    pages = [p.html.read_bytes() for p in corpus.pages("dev")]
    gated = [_labels_and_reasons(quality.check(page)) for page in pages]
    monkeypatch.setattr(model_module, "_spin_needed", lambda *args: None)  # score every candidate
    full = [_labels_and_reasons(quality.check(page)) for page in pages]
    assert gated == full


def test_gated_spin_scores_fewer_texts(example_page, monkeypatch):
    """The harbour-ferry page keeps its labels, and the gate never asks for more spin scores."""
    from quality import signals

    scored: list[int] = []
    real = signals.spin_scores

    def counting(texts):
        scored.append(len(texts))
        return real(texts)

    monkeypatch.setattr(signals, "spin_scores", counting)
    gated = _labels_and_reasons(quality.check(example_page))
    n_gated = sum(scored)
    scored.clear()
    monkeypatch.setattr(model_module, "_spin_needed", lambda *args: None)
    assert _labels_and_reasons(quality.check(example_page)) == gated
    assert n_gated <= sum(scored)


def test_extract_is_the_article_text_of_the_report_without_low_quality(example_page):
    from quality.pipeline import _report

    report = _report(example_page, None, None, None, low_quality=False)
    assert quality.extract(example_page) == report.text
    assert report.text  # the example page has an article


def test_extract_matches_the_report_on_dev_pages(data_root):
    from quality import corpus
    from quality.pipeline import _report

    for page in corpus.pages("dev")[::4]:
        html = page.html.read_bytes()
        assert quality.extract(html) == _report(html, None, None, None, low_quality=False).text


_PLAIN_WHOLE_TAG = re.compile(r"<[A-Za-z](?:[^>\"'=]+|=\s*\"[^\"]*\"|=\s*'[^']*'|=)*>?")
MARKUP = st.text(st.sampled_from(list("<>=\"' /aB1\n\t-")), max_size=200)


@given(MARKUP)
@settings(max_examples=500, deadline=None)
def test_possessive_tag_pattern_finds_the_same_tags(text):
    from quality.inputs import _WHOLE_TAG, _WHOLE_TAG_SOURCE

    plain = [m.span() for m in _PLAIN_WHOLE_TAG.finditer(text)]
    assert [m.span() for m in _WHOLE_TAG.finditer(text)] == plain
    # the form Python 3.10 compiles, without possessive quantifiers
    unrolled = re.compile(_WHOLE_TAG_SOURCE.replace("*+", "*"))
    assert [m.span() for m in unrolled.finditer(text)] == plain


def _draft_block(fields: tuple):
    from quality.records import Block, BlockDraft

    draft = object.__new__(BlockDraft)  # as the segmenter makes one: every slot set, then retyped
    for name, value in zip(Block.__match_args__, fields, strict=True):
        setattr(draft, name, value)
    draft.__class__ = Block
    return draft


def test_a_retyped_draft_is_the_block_the_constructor_makes():
    import dataclasses
    import pickle

    from quality.records import Block

    fields = ("Some text", "html/body/p", "p", 3, 2, ("post", "body"), 4, 1, 5) + (
        True,
        False,
        False,
        True,
        False,
        False,
        False,
        True,
    )
    made, fast = Block(*fields), _draft_block(fields)
    assert type(fast) is Block
    assert fast == made and hash(fast) == hash(made) and repr(fast) == repr(made)
    assert dataclasses.astuple(fast) == fields
    assert pickle.loads(pickle.dumps(fast)) == made
    assert dataclasses.replace(fast, index=9) == dataclasses.replace(made, index=9)
    try:
        fast.text = "changed"
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("a retyped draft must stay frozen")
    assert fast.text == "Some text"


def test_segment_gives_blocks_equal_to_constructed_ones():
    import dataclasses

    from quality.blocks import segment
    from quality.dom import parse
    from quality.records import Block

    html = (
        "<html><body><nav class='topMenu'><ul><li><a href='/'>Home</a></li></ul></nav>"
        "<main><article id='post'><h2>Title here</h2><p>First <b>para</b> text.</p>"
        "<table><tr><td role='navigation'>cell<br><br>after</td></tr></table></article></main>"
        "<footer>Footer line</footer></body></html>"
    )
    blocks = segment(parse(html).root)
    assert [b.text for b in blocks] == [
        "Home",
        "Title here",
        "First para text.",
        "cell",
        "after",
        "Footer line",
    ]
    for b in blocks:
        assert b == Block(*dataclasses.astuple(b))
    home, title, para, cell = blocks[:4]
    assert home.in_nav and home.in_list and not home.in_main and home.tokens == ("top", "menu")
    assert title.heading == 2 and title.in_main and title.tokens == ("post",)
    assert para.path == "html/body/main/article/p" and para.tag == "p"
    assert cell.in_table and cell.in_nav and cell.in_main and cell.tag == "td"


# Fragments near the template patterns' edges: "(c)" at a block's end with digits after it, "sign up
# for" (form and subscribe at once), words holding a pattern inside them, "log in" and "login".
PATTERN_BITS = st.sampled_from(
    [
        "(c)",
        "(c) 2024",
        "2024 news",
        "© acme",
        "sign up for",
        "sign in",
        "read more",
        "more »",
        "cookies",
        "mycookie policy",
        "unsubscribe",
        "log in",
        "login",
        "privacy policy",
        "share on",
        "terms of use",
        "view all",
        "rss",
        "plain words",
        "all rights reserved",
        "1999",
        "your email address will not",
        "",
    ]
)
BLOCK_TEXTS = st.lists(st.lists(PATTERN_BITS, max_size=4).map(" ".join), min_size=1, max_size=8)


@given(BLOCK_TEXTS)
@example(["plain words (c)", "2024 sign in"])  # a copyright match that ends in the next block
@settings(max_examples=300, deadline=None)
def test_template_patterns_mark_what_one_scan_per_pattern_marks(texts):
    from quality.features import template
    from quality.features.page import page_data
    from quality.records import Block

    texts = [" ".join(t.split()) or "x" for t in texts]
    page = page_data([Block(t, "html/body/p", "p", i) for i, t in enumerate(texts)])
    got = np.zeros((len(texts), len(template._PATTERNS)))
    template._mark_patterns(page, got, 0)
    # The plain way: every pattern over all the short trigger blocks joined, match starts to blocks.
    short = [
        i
        for i, t in enumerate(page.lower)
        if len(t) < 400 and (not template._TRIGGERS.isdisjoint(page.words[i]) or "©" in t)
    ]
    want = np.zeros_like(got)
    if short:
        joined = "\n".join(page.lower[i] for i in short)
        starts = np.cumsum([0] + [len(page.lower[i]) + 1 for i in short[:-1]])
        for k, pat in enumerate(template._PATTERNS.values()):
            for m in pat.finditer(joined):
                want[short[np.searchsorted(starts, m.start(), side="right") - 1], k] = 1.0
    assert np.array_equal(got, want)


def test_every_template_pattern_alternative_starts_with_its_literal():
    from quality.features import template

    for name in template._PATTERNS:
        assert template._LITERALS[name] is not None, name
    assert template._LITERALS["form"][:5] == (
        "leave a ",
        "your email",
        "required fields",
        "log",
        "sign ",
    )
    assert template._leading_literals(r"ab?c|\(x\)|d*") is None  # "d*" can start with nothing
    assert template._leading_literals(r"ab?c|\(x\)\s*y") == ("a", "(x)")


CLASS_TOKENS = st.sampled_from(
    ["banner", "nav", "menu", "footer", "post", "content", "side", "share", "ad", "xyz", "col"]
)


@given(st.lists(st.lists(CLASS_TOKENS, max_size=8).map(tuple), min_size=1, max_size=6))
@settings(max_examples=200, deadline=None)
def test_class_group_columns_match_a_test_per_group(contexts):
    from quality.features import template
    from quality.features.page import page_data
    from quality.records import Block

    page = page_data(
        [Block("some text", "html/body/p", "p", i, tokens=t) for i, t in enumerate(contexts)]
    )
    got = template.features(page)
    groups = list(template.CLASS_GROUPS.values())
    for row, tokens in zip(got, contexts):
        inner = tokens[-template.INNER :]
        want = [float(not vocab.isdisjoint(tokens)) for vocab in groups] + [
            float(sum(t in template._EVERY_CLASS_WORD for t in inner)),
            float(sum(t in template.ARTICLE_WORDS for t in inner)),
            float(not template.ARTICLE_WORDS.isdisjoint(tokens)),
        ]
        assert row[: len(groups) + 3].tolist() == want


@given(st.text(st.sampled_from(list("abcXYZ-_ 9KİÅǅⒶﬁ")) | st.characters(), max_size=30))
@settings(max_examples=500, deadline=None)
def test_attr_words_match_the_camel_split_of_every_value(value):
    from quality.blocks import attr_words

    cut = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", value).lower()
    assert attr_words.__wrapped__(value) == tuple(
        w for w in re.findall(r"[a-z]+", cut) if len(w) > 1
    )


# Every ASCII character (controls, line feeds, punctuation) and some that are not.
ANY_ASCII = st.text(st.sampled_from([chr(c) for c in range(128)] + list("éßİΣ中_٣")), max_size=40)


@given(st.lists(ANY_ASCII, max_size=8))
@settings(max_examples=300, deadline=None)
def test_block_words_match_the_word_regex(texts):
    from quality.features.page import block_words

    assert block_words(texts) == [re.findall(r"\w+", t) for t in texts]


@given(st.lists(st.lists(st.sampled_from(["the", "a", "of", "x", "de"]), max_size=12), max_size=6))
@settings(max_examples=200, deadline=None)
def test_word_set_counts_match_a_count_per_set(words):
    from quality.features.page import word_set_counts

    sets = (frozenset({"the", "a"}), frozenset({"the", "a", "of", "de"}), frozenset({"x"}))
    got = word_set_counts(words, sets)
    assert got.shape == (len(words), len(sets))
    for row, ws in zip(got, words):
        assert row.tolist() == [sum(w in s for w in ws) for s in sets]


def plain_headline_bag(text: str) -> tuple[list[int], list[float]]:
    """Clickbait buckets and counts of a headline built feature by feature, one crc32 each."""
    import zlib

    from quality.signals.clickbait import N_FEATURES, WORD, cue_features

    lowered = " ".join(text.lower().replace("\u2019", "'").split())
    words = WORD.findall(lowered)
    names = [f"w:{w}" for w in words] + [f"b:{a} {b}" for a, b in pairwise(words)]
    for w in words:
        padded = f" {w} "
        names += [f"c:{padded[i : i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1)]
    bag = Counter(names + cue_features(words, lowered))
    return [zlib.crc32(f.encode("utf-8")) % N_FEATURES for f in bag], [
        float(c) for c in bag.values()
    ]


HEADLINES = st.lists(
    st.one_of(st.text(st.sampled_from(list("aZ9 '’!?.-éß中")), max_size=12), st.just("you")),
    max_size=10,
).map(" ".join)


@given(HEADLINES)
@settings(max_examples=300, deadline=None)
@example("You Won’t Believe These 10 Amazing Tricks!")
def test_clickbait_features_match_the_plain_computation(text):
    # same features in the same order, so the weights are summed in the same order too
    from quality.signals.clickbait import hashed, headline_features

    index, values = hashed(headline_features(text))
    buckets, counts = plain_headline_bag(text)
    assert index.tolist() == buckets
    norm = float(np.sqrt(np.sum(np.square(counts)))) or 1.0
    assert values.tolist() == (np.array(counts) / norm).tolist()


def plain_codes(article, overturned, boiler_bits, article_bits, boiler_rules, article_rules):
    """A block's reason codes: every fired rule of its label in order, the neighbours first, four."""
    rules, bits = (article_rules, article_bits) if article else (boiler_rules, boiler_bits)
    codes = [r[3] for j, r in enumerate(rules) if bits >> j & 1]
    if overturned:
        codes.insert(
            0, "context__article_neighbours" if article else "context__boilerplate_neighbours"
        )
    return tuple(codes[:4]) or ("model__block_score",)


_BOILER_RULES, _ARTICLE_RULES = model_module._evidence_index()


@given(
    st.booleans(),
    st.booleans(),
    st.integers(0, 2 ** len(_BOILER_RULES) - 1),
    st.integers(0, 2 ** len(_ARTICLE_RULES) - 1),
)
@settings(max_examples=500, deadline=None)
@example(False, False, 0, 0)
@example(True, True, 0, 2 ** len(_ARTICLE_RULES) - 1)
def test_reason_codes_match_the_plain_computation(article, overturned, boiler_bits, article_bits):
    # bit r stands for rule r of the group: the bits take every pattern the rules can fire
    key = (article, overturned, boiler_bits, article_bits, _BOILER_RULES, _ARTICLE_RULES)
    assert model_module._codes_of(*key) == plain_codes(*key)


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=model_module.SPIN_SAMPLE_ARTICLE))
def test_spin_sample_mean_is_numpys_mean(scores):
    # _sampled_spin takes the article sample's mean with math.fsum: for up to two scores that is
    # the float sum numpy's mean divides
    import math

    assert math.fsum(scores) / len(scores) == float(np.mean(scores))


def test_tree_walker_on_memoryviews_gives_the_arrays_result():
    """The block model's tree sums are the same whether the walker gets memoryviews or arrays."""
    from sklearn.ensemble._hist_gradient_boosting._predictor import _predict_from_raw_data

    model = model_module.load_model()
    for est, fast in zip((model.first, model.second), model._scorers()[:2]):
        X = np.random.default_rng(1).normal(size=(50, est.n_features_in_)) * 3
        X[3, 5] = np.nan
        known, fmap = est._bin_mapper.make_known_categories_bitsets()
        total = np.full(len(X), float(np.asarray(est._baseline_prediction).ravel()[0]))
        out = np.empty(len(X))
        for (p,) in est._predictors:
            _predict_from_raw_data(p.nodes, X, p.raw_left_cat_bitsets, known, fmap, 1, out)
            total += out
        assert fast(X).tolist() == (1.0 / (1.0 + np.exp(-total))).tolist()


@given(
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40),
    st.data(),
)
@settings(max_examples=300, deadline=None)
def test_second_pass_rows_are_the_full_features_at_those_rows(scores, data):
    # the second pass computes its context columns at the unsure rows only; the reference is the
    # plain whole-page computation through the context features' shift and window helpers
    from quality.features.context import shifted, window_mean

    p = np.array(scores)
    chars = np.array(data.draw(st.lists(st.integers(0, 400), min_size=len(p), max_size=len(p))))
    chars = chars.astype(np.float64)
    rows = np.flatnonzero(data.draw(st.lists(st.booleans(), min_size=len(p), max_size=len(p))))
    col = p[:, None]
    full = np.column_stack(
        [
            p,
            shifted(col, -1)[:, 0],
            shifted(col, 1)[:, 0],
            shifted(col, -2)[:, 0],
            shifted(col, 2)[:, 0],
            window_mean(col, 3)[:, 0],
            window_mean(col, 10)[:, 0],
            np.full(len(p), p.max()),
            np.full(len(p), p.mean()),
            np.concatenate([[0.0], np.maximum.accumulate(p)[:-1]]),
            np.concatenate([np.maximum.accumulate(p[::-1])[::-1][1:], [0.0]]),
            np.full(len(p), float((p * chars).sum() / max(chars.sum(), 1.0))),
        ]
    )
    assert model_module.second_pass_features(p, chars).tobytes() == full.tobytes()
    assert model_module.second_pass_features(p, chars, rows).tobytes() == full[rows].tobytes()
