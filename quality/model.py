"""Block and page labelling.

INTERIM: a link-density and length rule in the manner of jusText, in place until the trained
classifier lands; it exists so that the rest of the pipeline can run end to end.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from .records import Block, BlockReport, Label, Verdict


def _block_scores(block: Block) -> tuple[dict[str, float], tuple[str, ...]]:
    n = len(block.text)
    link_share = block.link_chars / n if n else 0.0
    if link_share > 0.5:
        return {"article": 0.1, "boilerplate": 0.9, "low_quality": 0.0}, ("links__dense",)
    if block.in_nav or block.in_footer or block.in_form:
        return {"article": 0.2, "boilerplate": 0.8, "low_quality": 0.0}, ("structure__template_region",)
    if n >= 80 or (block.heading and n >= 10):
        return {"article": 0.8, "boilerplate": 0.2, "low_quality": 0.0}, ("text__long",)
    return {"article": 0.3, "boilerplate": 0.7, "low_quality": 0.0}, ("text__short",)


def classify(
    blocks: Sequence[Block],
    *,
    title: str = "",
    url: str | None = None,
    site_repeats: Collection[int] | None = None,
) -> Verdict:
    """Label each block and the page from its blocks."""
    reports = []
    for block in blocks:
        scores, reasons = _block_scores(block)
        label = Label(max(scores, key=scores.get))
        reports.append(BlockReport(block, label, scores, reasons))
    article_chars = sum(len(r.block.text) for r in reports if r.label is Label.ARTICLE)
    label = Label.ARTICLE if article_chars >= 200 else Label.BOILERPLATE
    share = min(article_chars / 1000, 1.0)
    scores = {"article": share, "boilerplate": 1.0 - share, "low_quality": 0.0}
    return Verdict(tuple(reports), label, scores, ("page__article_text" if label is Label.ARTICLE else "page__no_article",))
