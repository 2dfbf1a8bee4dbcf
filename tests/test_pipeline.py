import pytest

import quality
from quality import Label, Status


def test_wrong_type_is_a_type_error_at_once():
    with pytest.raises(TypeError, match="str or bytes"):
        quality.check(12)
    with pytest.raises(TypeError):
        quality.extract(["<p>x</p>"])


def test_str_and_bytes_give_the_same_blocks(example_page):
    from_bytes = quality.check(example_page)
    from_text = quality.check(example_page.decode("utf-8"))
    assert [b.block.text for b in from_bytes.blocks] == [b.block.text for b in from_text.blocks]
    assert from_text.encoding.source == "text"


def test_report_scores_are_probabilities(example_page):
    report = quality.check(example_page)
    assert set(report.scores) == {"article", "boilerplate", "low_quality"}
    assert sum(report.scores.values()) == pytest.approx(1.0)
    for block in report.blocks:
        assert sum(block.scores.values()) == pytest.approx(1.0)
        assert block.label.value == max(block.scores, key=block.scores.get)


def test_extract_is_the_article_blocks_in_order(example_page):
    report = quality.check(example_page)
    text = quality.extract(example_page)
    expected = [b.block.text for b in report.blocks if b.label is Label.ARTICLE]
    assert text.split("\n") == expected


def test_page_with_no_text_is_skipped_and_extracts_nothing():
    html = b"<html><head><script>location.href='/app'</script></head><body></body></html>"
    report = quality.check(html)
    assert report.status is Status.SKIPPED
    assert "script_only_shell" in report.reasons
    assert quality.extract(html) == ""


def test_frameset_and_meta_refresh_shells_say_so():
    frames = (
        b'<html><frameset cols="50%,50%"><frame src="a.html"><frame src="b.html"></frameset></html>'
    )
    assert "frameset_shell" in quality.check(frames).reasons
    refresh = (
        b'<html><head><meta http-equiv="refresh" content="0; url=/next"></head><body></body></html>'
    )
    assert "meta_refresh_shell" in quality.check(refresh).reasons


def test_url_is_reported_back(example_page):
    assert (
        quality.check(example_page, url="https://example.org/x").to_dict()["url"]
        == "https://example.org/x"
    )
