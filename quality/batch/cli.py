"""`quality batch`: arguments and the run; the only batch module that prints. Cheap to import."""

from __future__ import annotations

import argparse
import json
import logging
import sys

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the batch arguments to the `batch` subcommand's parser."""
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="HTML files (.html .htm .xhtml, optionally .gz), directories (walked in sorted "
        "order), WARC (.warc, .warc.gz), JSONL (.jsonl, .jsonl.gz), or - for stdin",
    )
    parser.add_argument(
        "-o",
        "--output",
        default="-",
        metavar="FILE",
        help="where the JSON lines go (default: standard output)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help="worker processes (default: all cores)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="per-record deadline; a worker past it is killed and the record is `timeout` "
        "(default: 60)",
    )
    parser.add_argument(
        "--memory-limit",
        type=int,
        default=2048,
        metavar="MB",
        help="memory a worker may use beyond its start-up size; 0 for none (default: 2048)",
    )
    parser.add_argument(
        "--text", action="store_true", help="add the extracted article text to each line"
    )
    parser.add_argument("--blocks", action="store_true", help="add every block's label and scores")
    parser.add_argument(
        "--format",
        dest="kind",
        choices=("auto", "html", "warc", "jsonl"),
        default="auto",
        help="read inputs as this kind instead of going by their names (stdin: html)",
    )
    parser.add_argument(
        "--html-field",
        default="html",
        metavar="NAME",
        help="JSONL field holding the page's HTML (default: html)",
    )
    parser.add_argument(
        "--url-field",
        default="url",
        metavar="NAME",
        help="JSONL field holding the page's URL (default: url)",
    )
    parser.add_argument(
        "--resume", action="store_true", help="skip records already in --output and append the rest"
    )
    parser.add_argument(
        "--sites",
        action="store_true",
        help="first count block texts repeated across pages of each site, and label them "
        "template (reads the input twice)",
    )
    parser.add_argument(
        "--summary", metavar="FILE", help="also write the run's summary there as JSON"
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on a Dask cluster: a scheduler address, or `local` for a local cluster",
    )
    parser.add_argument(
        "--partition-mb",
        type=int,
        default=256,
        metavar="MB",
        help="with --dask, split WARC files into byte ranges of this size (default: 256)",
    )
    parser.add_argument(
        "--scorer",
        default="quality:check",
        metavar="MODULE:FUNCTION",
        help="score with another function taking check's arguments and returning a "
        "PageReport or a dict (default: quality:check)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar and no summary on stderr"
    )


def run(args: argparse.Namespace) -> int:
    """Run a batch from parsed arguments; returns the exit code."""
    from .runner import Config, run_local
    from .workers import Options

    if args.resume and args.output == "-":
        print(
            "quality batch: --resume needs --output FILE (it reads what an earlier run wrote)",
            file=sys.stderr,
        )
        return 2
    if args.jobs < 0 or args.timeout <= 0 or args.memory_limit < 0:
        print(
            "quality batch: --jobs, --timeout and --memory-limit must not be negative",
            file=sys.stderr,
        )
        return 2
    options = Options(
        timeout=args.timeout,
        memory_mb=args.memory_limit,
        text=args.text,
        blocks=args.blocks,
        scorer=args.scorer,
    )
    cfg = Config(
        inputs=args.inputs,
        output=args.output,
        jobs=args.jobs,
        options=options,
        kind=args.kind,
        html_field=args.html_field,
        url_field=args.url_field,
        resume=args.resume,
        sites=args.sites,
        progress=not args.quiet,
    )
    try:
        if args.dask:
            from .distributed import run_dask

            summary = run_dask(cfg, args.dask, partition_bytes=args.partition_mb * 1024 * 1024)
        else:
            summary = run_local(cfg)
    except KeyboardInterrupt:
        print(
            "quality batch: interrupted; every line written is whole: run again with --resume to finish",
            file=sys.stderr,
        )
        return 130
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"quality batch: {exc}", file=sys.stderr)
        return 1
    report = summary.to_dict()
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
    if not args.quiet:
        _print_summary(report)
    return 0


def _print_summary(report: dict) -> None:
    out = sys.stderr
    speed = report["pages_per_s"]
    print(
        f"{report['records']} records in {report['seconds']:.1f} s"
        + (f" ({speed:.1f} pages/s)" if speed else "")
        + (f", {report['resumed']} already done" if report["resumed"] else ""),
        file=out,
    )
    print("  status: " + ", ".join(f"{k} {v}" for k, v in report["status"].items()), file=out)
    if report["label"]:
        print("  label:  " + ", ".join(f"{k} {v}" for k, v in report["label"].items()), file=out)
    for path, t in report["files"].items():
        print(
            f"  {path}: {t['html_records']} HTML records ({t['repaired']} repaired), {t['errors']} lost, "
            f"{t['other_records']} other records, {t['junk_bytes']} junk bytes",
            file=out,
        )
        for fault in t["faults"][:20]:
            print(f"    at {fault['offset']}: {fault['reason']}", file=out)
    if report["sites"]:
        s = report["sites"]
        print(
            f"  sites: {s['sites']}, {s['with_template']} with template text ({s['template_keys']} texts)",
            file=out,
        )
