"""Calls to action worded as bait are low_quality; plain newsletter boxes stay boilerplate."""

from pathlib import Path

import pytest

import quality
from quality.records import Label

PAGE = (Path(__file__).resolve().parents[1] / "data" / "examples" / "harbour-ferry.html").read_text(
    encoding="utf-8"
)
BAIT_HEADING = "Stay Ahead Of Everyone"
BAIT_BODY = "To get your breaking, trending, hottest news instantly"


def blocks_starting(report: quality.PageReport, text: str) -> list:
    return [b for b in report.blocks if b.block.text.startswith(text)]


def test_bait_call_to_action_is_low_quality():
    report = quality.check(PAGE)
    for text in (BAIT_HEADING, BAIT_BODY):
        (block,) = blocks_starting(report, text)
        assert block.label is Label.LOW_QUALITY
        assert block.reasons == ("clickbait__call_to_action",)


@pytest.mark.parametrize(
    "heading, body",
    [
        ("Newsletter", "Sign up for our weekly newsletter to get the latest news from the coast."),
        ("Follow us", "Follow Coastline Daily on social media for updates."),
    ],
)
def test_plain_subscribe_box_stays_boilerplate(heading, body):
    start = PAGE.index(BAIT_HEADING)
    end = PAGE.index("</p>", start)
    swapped = PAGE[:start] + heading + "</h3>\n  <p>" + body + PAGE[end:]
    report = quality.check(swapped)
    (head,) = blocks_starting(report, heading)
    (text,) = blocks_starting(report, body[:20])
    assert head.label is Label.BOILERPLATE
    assert text.label is Label.BOILERPLATE
