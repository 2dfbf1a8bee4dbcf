"""One batch run on this machine: read, count site templates, score in the pool, write."""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from . import output, sources
from .sources import Record
from .workers import Options, default_jobs, run

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Config:
    """Everything a batch run needs, as the CLI or a caller sets it."""

    inputs: list[str]
    output: str = "-"
    jobs: int = 0  # 0: all cores
    options: Options = field(default_factory=Options)
    kind: str = "auto"
    html_field: str = "html"
    url_field: str = "url"
    resume: bool = False
    sites: bool = False
    progress: bool = True


@dataclass(slots=True)
class Summary:
    """What a run did: counts per status and label, speed, and per-archive totals."""

    records: int = 0
    resumed: int = 0  # records skipped because the output already had them
    status: Counter = field(default_factory=Counter)
    label: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    files: dict = field(default_factory=dict)
    sites: dict = field(default_factory=dict)

    def add(self, line: dict) -> None:
        self.records += 1
        self.status[line.get("status")] += 1
        if line.get("label"):
            self.label[line["label"]] += 1

    def to_dict(self) -> dict:
        return {
            "records": self.records,
            "resumed": self.resumed,
            "status": dict(sorted(self.status.items())),
            "label": dict(sorted(self.label.items())),
            "seconds": round(self.seconds, 3),
            "pages_per_s": round(self.records / self.seconds, 2) if self.seconds > 0 else None,
            "files": self.files,
            "sites": self.sites,
        }


def make_line(record: Record, result: dict) -> dict:
    """The output line for a record: its identity first, then the verdict."""
    line = {"id": record.key, **record.identity}
    line.update(result)
    if record.flags:
        line["flags"] = list(record.flags) + list(line.get("flags") or ())
        if line.get("status") == "ok":
            line["status"] = "degraded"
    if line.get("url") is None:
        line["url"] = record.url
    return line


def run_local(cfg: Config) -> Summary:
    """Score every input record into cfg.output; returns the summary."""
    started = time.monotonic()
    srcs = list(sources.expand(cfg.inputs, cfg.kind))
    if cfg.sites and any(s.path == "-" for s in srcs):
        raise ValueError("--sites reads the input twice, which standard input cannot do")
    done = output.load_done(cfg.output) if cfg.resume else output.DoneKeys()
    jobs = cfg.jobs or default_jobs()
    summary = Summary()
    repeats = None
    if cfg.sites:
        from .sites import count_sites, templates

        # every page counts towards its site's template, also those a resumed run skips
        everything = sources.read(
            srcs, sources.ReadTotals(), html_field=cfg.html_field, url_field=cfg.url_field
        )
        counted = count_sites(everything, jobs, cfg.options)
        repeats = templates(counted)
        summary.sites = {
            "sites": len(counted),
            "with_template": len(repeats),
            "template_keys": sum(len(k) for k in repeats.values()),
        }
    totals = sources.ReadTotals()
    total = len(srcs) if all(s.kind == "html" for s in srcs) else None
    bar = _progress(total, cfg.progress)
    try:
        with output.Writer(cfg.output, append=cfg.resume) as writer:
            for record, result in run(
                _todo(srcs, cfg, totals, done, summary), jobs, cfg.options, repeats
            ):
                line = make_line(record, result)
                writer.write(line)
                summary.add(line)
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
        summary.seconds = time.monotonic() - started
        summary.files = {path: t.to_dict() for path, t in totals.files.items()}
    return summary


def _todo(srcs, cfg: Config, totals, done, summary: Summary) -> Iterator[Record]:
    for record in sources.read(srcs, totals, html_field=cfg.html_field, url_field=cfg.url_field):
        if len(done) and record.key in done:
            summary.resumed += 1
            continue
        yield record


def _progress(total: int | None, wanted: bool):
    if not wanted or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit=" pages", file=sys.stderr, smoothing=0.05)
