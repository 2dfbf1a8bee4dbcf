"""What site templates (`quality batch --sites`) change, on dataset pages of sites with many pages.

    python scripts/bench_sites.py [--json FILE]

Pages whose site is known (CleanEval's URL line, else the page's canonical or og:url link) are grouped
by host; hosts with at least `sites.MIN_SITE_PAGES` pages go into one WARC with their URLs. The batch
runs twice over it, without and with `--sites`, and this prints how many blocks changed label and the
main-text 4-gram precision/recall/F1 of both runs against the gold, over all splits (the measurement is
of a difference between two runs of the same model, not of the model).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

_LINK = re.compile(
    rb'(?:rel=["\']?canonical["\']?[^>]*href=["\']([^"\']+)'
    rb'|property=["\']og:url["\'][^>]*content=["\']([^"\']+))',
    re.I,
)


def page_url(page) -> str | None:
    """Where a dataset page came from, when the page or its gold says."""
    if page.gold_format == "cleaneval" and page.gold.is_file():
        with open(page.gold, "rb") as f:
            first = f.readline()
        if first.startswith(b"URL:"):
            return first[4:].strip().decode("latin-1")
    m = _LINK.search(page.html.read_bytes())
    if m:
        url = next(g for g in m.groups() if g).decode("latin-1")
        if url.startswith("http"):
            return url
    return None


def run(warc: str, sites: bool, out: str) -> dict[str, dict]:
    from quality.batch.runner import Config, run_local
    from quality.batch.workers import Options

    cfg = Config(
        inputs=[warc],
        output=out,
        jobs=2,
        options=Options(timeout=120, text=True, blocks=True),
        sites=sites,
        progress=False,
    )
    summary = run_local(cfg)
    lines = {}
    with open(out) as f:
        for raw in f:
            line = json.loads(raw)
            lines[line["record_id"]] = line
    return lines, summary.to_dict()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    from make_test_warc import _id, http_response, warc_record

    from quality import corpus
    from quality.batch.sites import MIN_SITE_PAGES, count_sites, templates
    from quality.batch.sources import ReadTotals, Source, read
    from quality.batch.workers import Options
    from quality.blocks import text_key

    by_host: dict[str, list] = defaultdict(list)
    for page in corpus.manifest():
        url = page_url(page)
        host = urlsplit(url).hostname if url else None
        if host:
            by_host[host.lower()].append((url, page))
    chosen = {h: ps for h, ps in by_host.items() if len(ps) >= MIN_SITE_PAGES}
    print(
        f"{sum(map(len, chosen.values()))} pages from {len(chosen)} sites with >= {MIN_SITE_PAGES} pages"
    )
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        warc = os.path.join(tmp, "sites.warc")
        gold, split = {}, {}
        with open(warc, "wb") as f:
            n = 0
            for host, items in sorted(chosen.items()):
                for url, page in items:
                    rid = _id(n)
                    f.write(warc_record(n, "response", url, http_response(page.html.read_bytes())))
                    n += 1
                    gold[rid] = corpus.gold_text(page) if page.gold.is_file() else None
                    split[rid] = page.split
        base, s0 = run(warc, False, os.path.join(tmp, "base.jsonl"))
        templ, s1 = run(warc, True, os.path.join(tmp, "sites.jsonl"))
        repeats = templates(
            count_sites(read([Source(warc, "warc")], ReadTotals()), 2, Options(timeout=120))
        )
    # what a rule "site template text is boilerplate" would do to the base run's article text
    rule = {}
    flipped = 0
    for rid, line in base.items():
        keys = repeats.get(urlsplit(line["url"]).hostname.lower(), frozenset())
        kept = []
        for b in line.get("blocks") or []:
            if b["label"] != "article":
                continue
            if text_key(b["text"]) in keys:
                flipped += 1
            else:
                kept.append(b["text"])
        rule[rid] = {"text": "\n".join(kept)}
    changed = Counter()
    blocks = reasons_changed = 0
    for rid, a in base.items():
        b = templ[rid]
        for x, y in zip(a.get("blocks") or [], b.get("blocks") or []):
            blocks += 1
            if x["label"] != y["label"]:
                changed[f"{x['label']} -> {y['label']}"] += 1
            reasons_changed += x["reasons"] != y["reasons"]
    pages_changed = sum(1 for rid in base if base[rid].get("text") != templ[rid].get("text"))
    results["sites"] = s1["sites"]
    results["blocks"] = blocks
    results["block_label_changes"] = dict(changed)
    results["pages_with_text_changed"] = pages_changed
    results["blocks_with_reasons_changed"] = reasons_changed
    results["article_blocks_in_site_template"] = flipped
    print(
        f"blocks whose reasons changed: {reasons_changed}; article blocks that are site template "
        f"text (a template rule would drop them): {flipped}"
    )
    print(f"site pass: {s1['sites']}")
    print(
        f"{blocks} blocks; label changes: {dict(changed)}; pages whose text changed: {pages_changed}/{len(base)}"
    )
    print("\n| run | split | pages | precision | recall | F1 |\n|---|---|---|---|---|---|")
    runs = (("without --sites", base), ("with --sites", templ), ("template rule", rule))
    for name, lines in runs:
        for which in ("dev", "train", "all"):
            counts = [
                corpus.match_counts(lines[rid].get("text") or "", gold[rid])
                for rid in lines
                if gold.get(rid) is not None and which in ("all", split[rid])
            ]
            score = corpus.main_text_score(counts)
            results[f"{name} {which}"] = {
                "pages": score.pages,
                "precision": round(score.precision, 4),
                "recall": round(score.recall, 4),
                "f1": round(score.f1, 4),
            }
            print(
                f"| {name} | {which} | {score.pages} | {score.precision:.3f} | {score.recall:.3f} | {score.f1:.3f} |"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
