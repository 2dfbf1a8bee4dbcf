"""check(html) -> PageReport and extract(html) -> str: the whole pipeline on one screen."""

from __future__ import annotations

from collections.abc import Collection

from .blocks import segment
from .dom import Parsed, parse, shell_reasons, title_of
from .inputs import Prepared, prepare
from .records import Block, Label, PageReport, Status, uniform_scores

# Real pages have a few hundred blocks (dataset pages: median 105, largest 1,921); past this the
# rest of the page is dropped and flagged `too_many_blocks`, so a 20 MB page of one-word paragraphs
# stays cheap.
MAX_BLOCKS = 10_000


def _segmented(html, encoding) -> tuple[Prepared, Parsed | None, list[Block]]:
    """Decode, parse and segment; `prepare` raises TypeError for anything but str or bytes."""
    prepared = prepare(html, encoding=encoding)
    if prepared.text is None:
        return prepared, None, []
    parsed = parse(prepared.text)
    blocks = [] if parsed.root is None else segment(parsed.root, MAX_BLOCKS)
    return prepared, parsed, blocks


def page_blocks(html: str | bytes, *, encoding: str | None = None) -> list[Block]:
    """The page's blocks without scoring them: decode, parse, segment."""
    return _segmented(html, encoding)[2]


def check(
    html: str | bytes,
    *,
    url: str | None = None,
    encoding: str | None = None,
    site_repeats: Collection[int] | None = None,
) -> PageReport:
    """Label every block of a page and the page itself, with the reasons.

    Parameters
    ----------
    html
        The page, as bytes off the wire (decoded here) or as text.
    url
        Where the page came from; reported back, and used as a hint only.
    encoding
        The charset an HTTP ``Content-Type`` header declared, if any.
    site_repeats
        `quality.blocks.text_key` values of block texts that repeat across many pages of the same
        site (`quality batch --sites` computes them); such blocks get the reason
        ``template__site_repeat``.

    Returns
    -------
    PageReport
        ``status`` is ``skipped`` when there is nothing to score (empty, not HTML, no visible text),
        ``degraded`` when the input had to be cut or repaired, else ``ok``.
    """
    return _report(html, url, encoding, site_repeats, low_quality=True)


def extract(html: str | bytes, *, url: str | None = None, encoding: str | None = None) -> str:
    """The article's text: its blocks in page order, one per line; empty when there is none.

    On a page whose blocks over the article threshold hold under 500 characters (none included),
    the other blocks scoring at least half the best of them are given too, when that best is at
    least 0.1 (`model._best_of_weak_page`); `check` labels them article too but does not count them
    for the page label, so a page with no block over the threshold stays `boilerplate`. Three or
    more kept blocks of a photo gallery or slideshow beside other article text are left out
    (`model._gallery_text`).

    Extraction separates the article from the template only: it skips the spun-text and bait
    stage, so a spun article's text comes out as article. `check(html).text` gives the text with
    that stage applied (blocks judged `low_quality` left out).
    """
    _, parsed, blocks = _segmented(html, encoding)
    if not blocks:
        return ""
    from .model import article_mask  # the model loads on first use, not at import

    # The labels `check` gives without that stage; neither scores nor reasons are needed here.
    keep = article_mask(blocks, title=title_of(parsed.root))
    return "\n".join([b.text for b, article in zip(blocks, keep.tolist()) if article])


def _report(html, url, encoding, site_repeats, *, low_quality: bool) -> PageReport:
    prepared, parsed, blocks = _segmented(html, encoding)
    if parsed is None:
        return _unscored(Status.SKIPPED, prepared.reasons, prepared.flags, prepared.encoding, url)
    flags = prepared.flags + parsed.flags
    if parsed.root is None:
        return _unscored(
            Status.SKIPPED, prepared.reasons + ("no_markup",), flags, prepared.encoding, url
        )
    if len(blocks) >= MAX_BLOCKS:
        flags += ("too_many_blocks",)
    title = title_of(parsed.root)
    if not blocks:
        reasons = prepared.reasons + (shell_reasons(parsed.root) or ("no_visible_text",))
        return _unscored(Status.SKIPPED, reasons, flags, prepared.encoding, url, title)
    # Nothing reads the tree past here. Freed now, just after segment walked it, it costs half of
    # what it costs once the model has pushed it out of the cache (0.2 against 0.4 ms a dev page).
    del parsed

    from .model import classify  # the model loads on first use, not at import

    verdict = classify(
        blocks, title=title, url=url, site_repeats=site_repeats, low_quality=low_quality
    )
    # What the parse or the segmenter had to cut or repair is a reason for `degraded` as well.
    repaired = flags[len(prepared.flags) :]
    degraded = prepared.status is Status.DEGRADED or bool(repaired)
    return PageReport(
        status=Status.DEGRADED if degraded else Status.OK,
        label=verdict.label,
        scores=verdict.scores,
        reasons=prepared.reasons + repaired + verdict.reasons,
        flags=flags,
        encoding=prepared.encoding,
        blocks=verdict.blocks,
        url=url,
        title=title,
    )


def _unscored(status, reasons, flags, encoding, url, title="") -> PageReport:
    return PageReport(
        status=status,
        label=Label.BOILERPLATE,
        scores=uniform_scores(Label.BOILERPLATE),
        reasons=tuple(reasons),
        flags=tuple(flags),
        encoding=encoding,
        url=url,
        title=title,
    )
