"""Segmentation semantics: what becomes a block, where it is cut, and what each block records."""

import sys

import pytest

from quality.blocks import segment
from quality.dom import parse


def blocks_of(html: str):
    parsed = parse(html)
    assert parsed.root is not None
    return segment(parsed.root)


def texts(html: str) -> list[str]:
    return [b.text for b in blocks_of(html)]


@pytest.mark.parametrize("tag", ["script", "style", "noscript", "template"])
def test_hidden_element_text_never_becomes_a_block(tag):
    html = f"<body><p>Visible words</p><{tag}>hidden words</{tag}><div>More words</div></body>"
    assert texts(html) == ["Visible words", "More words"]


def test_text_after_a_script_stays_in_its_block():
    assert texts("<body><p>before <script>var x = 1;</script>after</p></body>") == ["before after"]


def test_link_characters_and_count():
    (block,) = blocks_of('<body><p>Read <a href="/x">more here</a> now</p></body>')
    assert block.text == "Read more here now"
    assert block.link_chars == len("more here")
    assert block.n_links == 1


def test_regions_from_tags_and_roles():
    html = (
        "<body><nav><ul><li>Home</li></ul></nav>"
        "<main><p>Body text</p></main>"
        "<footer><p>Copyright</p></footer>"
        '<div role="navigation">Menu</div></body>'
    )
    home, body, copyright_, menu = blocks_of(html)
    assert home.in_nav and home.in_list and not home.in_main
    assert body.in_main and not body.in_nav and not body.in_list
    assert copyright_.in_footer and not copyright_.in_main
    assert menu.in_nav and not menu.in_list


def test_heading_level_tag_and_path():
    title, para = blocks_of("<body><h2>Title <span>part</span></h2><p>Text</p></body>")
    assert (title.text, title.heading, title.tag) == ("Title part", 2, "h2")
    assert (para.heading, para.tag, para.path) == (0, "p", "html/body/p")


def test_class_and_id_words_and_depth():
    (block,) = blocks_of(
        '<html><body><div class="post-body" id="mainCol"><p>Hello world</p></div></body></html>'
    )
    assert block.path == "html/body/div/p"
    assert block.tokens == ("post", "body", "main", "col")
    assert block.depth == 4  # html, body, div, p


def test_text_around_a_nested_block_belongs_to_the_outer_one():
    out = [(b.text, b.tag) for b in blocks_of("<body><div>before<p>inside</p>after</div></body>")]
    assert out == [("before", "div"), ("inside", "p"), ("after", "div")]


def test_double_line_break_splits_a_block_and_a_single_one_does_not():
    assert texts("<body><p>one<br>two<br><br>three</p></body>") == ["one two", "three"]


def test_blocks_are_indexed_in_page_order():
    assert [b.index for b in blocks_of("<body><p>a</p><p>b</p><p>c</p></body>")] == [0, 1, 2]


def test_deeply_nested_tree_is_walked_without_recursion():
    # libxml2 keeps about 2,000 levels with huge_tree; a recursive walk would need a frame per level.
    depth = 1500
    html = "<body>" + "<div>" * depth + "deep text" + "</div>" * depth + "<p>after</p></body>"
    root = parse(html).root
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(_frames()) + 60)
    try:
        out = [(b.text, b.depth) for b in segment(root)]
    finally:
        sys.setrecursionlimit(limit)
    assert out == [("deep text", depth + 2), ("after", 3)]


def test_hundred_thousand_levels_are_flattened_and_keep_the_text_after():
    html = "<body>" + "<div>" * 100_000 + "deep text" + "</div>" * 100_000 + "<p>after</p></body>"
    parsed = parse(html)
    assert "nesting_flattened" in parsed.flags
    assert [b.text for b in segment(parsed.root)] == ["deep text", "after"]


def _frames() -> list:
    frame, out = sys._getframe(), []
    while frame is not None:
        out.append(frame)
        frame = frame.f_back
    return out
