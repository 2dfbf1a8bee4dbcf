"""The `quality` command line; the only module that prints or exits."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from . import __version__
from .errors import QualityError

LABEL_COLOURS = {"article": "32", "boilerplate": "2", "low_quality": "31"}  # green, dim, red
SNIPPET = 60  # characters of block text shown per table row


def _read_page(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    return Path(source).read_bytes()


def _paint(text: str, label: str, colour: bool) -> str:
    return f"\033[{LABEL_COLOURS[label]}m{text}\033[0m" if colour else text


def _snippet(text: str) -> str:
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


def print_report(report, out: TextIO, *, colour: bool) -> None:
    """A page verdict line, then one table row per block."""
    scores = " ".join(f"{k}={v:.2f}" for k, v in report.scores.items())
    enc = f"{report.encoding.name} ({report.encoding.source})" if report.encoding else "-"
    print(
        f"page: {_paint(report.label.value, report.label.value, colour)}  status: {report.status.value}  {scores}",
        file=out,
    )
    if report.title:
        print(f"title: {report.title}", file=out)
    print(f"encoding: {enc}", file=out)
    if report.reasons:
        print(f"reasons: {', '.join(report.reasons)}", file=out)
    if report.flags:
        print(f"flags: {', '.join(report.flags)}", file=out)
    if not report.blocks:
        return
    print(file=out)
    print(f"{'#':>4}  {'label':<11}  {'score':>5}  {'reason':<28}  text", file=out)
    for r in report.blocks:
        label = r.label.value
        reason = r.reasons[0] if r.reasons else ""
        row = f"{r.block.index:>4}  {label:<11}  {r.scores[label]:>5.2f}  {reason[:28]:<28}  {_snippet(r.block.text)}"
        print(_paint(row, label, colour), file=out)


def _cmd_check(args: argparse.Namespace) -> int:
    from .pipeline import check

    report = check(_read_page(args.page), url=args.url, encoding=args.encoding)
    if args.json:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        print_report(report, sys.stdout, colour=colour)
    return 0


def _cmd_extract(args: argparse.Namespace) -> int:
    from .pipeline import extract

    text = extract(_read_page(args.page), url=args.url, encoding=args.encoding)
    if text:
        print(text)
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    from .batch.cli import run

    return run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quality",
        description="Label each block of a web page as article, boilerplate or low_quality, and say why.",
    )
    parser.add_argument("--version", action="version", version=f"quality {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def page_command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("page", metavar="PAGE", help="an HTML file, or - for standard input")
        p.add_argument("--url", help="the page's URL, reported back")
        p.add_argument("--encoding", help="the charset from the HTTP Content-Type header, if known")
        return p

    p = page_command(
        "check", "Show the page's verdict and every block's label, score and main reason."
    )
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.set_defaults(func=_cmd_check)
    p = page_command("extract", "Print the article's text, one block per line.")
    p.set_defaults(func=_cmd_extract)
    sub.add_parser(
        "train",
        help="Retrain the block model from the labelled datasets (`quality train --help`).",
        add_help=False,
    )
    try:
        from .batch import cli as batch_cli
    except ImportError:  # batch support not installed in this build
        batch_cli = None
    if batch_cli is not None:
        p = sub.add_parser(
            "batch",
            help="Score many pages (files, directories, WARC, JSONL) into one JSON line each.",
            description="Score many pages (files, directories, WARC, JSONL) into one JSON line each.",
        )
        batch_cli.configure(p)
        p.set_defaults(func=_cmd_batch)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for usage errors)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["train"]:  # its options are the training module's own
        from .train import main as train_main

        return train_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:
        return 0
    except FileNotFoundError as exc:
        return _fail(f"{exc.filename}: no such file; check the path")
    except IsADirectoryError as exc:
        return _fail(f"{exc.filename}: is a directory; use `quality batch` for many pages")
    except PermissionError as exc:
        return _fail(f"{exc.filename}: permission denied")
    except QualityError as exc:
        return _fail(str(exc))
    except OSError as exc:
        name = exc.filename or getattr(args, "page", "input")
        return _fail(f"{name}: cannot read: {exc.strerror or exc}")


def _fail(message: str) -> int:
    """One line on stderr, and the exit code of an input that could not be read."""
    print(f"quality: {message}", file=sys.stderr)
    return 1
