"""Site templates: block texts that repeat across many pages of one site, found in a first pass.

The first pass segments every page (no model) and counts, per site, on how many pages each block
text (its `quality.blocks.text_key`) occurs. Memory is bounded per site: only the first
`SAMPLE_PAGES` pages of a site are counted, which is plenty, since template text is on nearly every
page. A text is template when it is on at least `MIN_SHARE` of the sampled pages and on at least
`MIN_PAGES` of them; sites with fewer than `MIN_SITE_PAGES` pages get no template set.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .sources import Record
from .workers import Options, run

SAMPLE_PAGES = 300  # pages per site counted; bounds memory for sites with millions of pages
MIN_SITE_PAGES = 5  # fewer pages than this cannot tell a template from a coincidence
MIN_PAGES = 3
MIN_SHARE = 0.3  # on nearly all pages for global templates; 0.3 also catches section templates


@dataclass(slots=True)
class SiteCounts:
    """Per site: pages seen, pages sampled, and on how many sampled pages each text key occurs."""

    pages: int = 0
    sampled: int = 0
    keys: Counter = field(default_factory=Counter)

    def add(self, keys: Iterable[int]) -> None:
        self.pages += 1
        if self.sampled < SAMPLE_PAGES:
            self.sampled += 1
            self.keys.update(keys)

    def template(self) -> frozenset[int]:
        """The keys that count as template on this site (empty for small sites)."""
        if self.pages < MIN_SITE_PAGES:
            return frozenset()
        need = max(MIN_PAGES, MIN_SHARE * self.sampled)
        return frozenset(k for k, n in self.keys.items() if n >= need)


def count_sites(records: Iterable[Record], jobs: int, options: Options) -> dict[str, SiteCounts]:
    """Run the first pass over records; pages that fail here are simply not counted."""
    sites: dict[str, SiteCounts] = {}
    first = Options(
        timeout=options.timeout, memory_mb=options.memory_mb, mode="keys", scorer=options.scorer
    )
    for record, result in run(records, jobs, first):
        if "keys" in result:
            sites.setdefault(record.site, SiteCounts()).add(result["keys"])
    return sites


def templates(sites: dict[str, SiteCounts]) -> dict[str, frozenset[int]]:
    """Each site's template keys, for the sites that have any."""
    out = {}
    for site, counts in sites.items():
        keys = counts.template()
        if keys:
            out[site] = keys
    return out
