"""Score `quality.decode` on the html5lib encoding cases: passed/total per file and overall.

Cases under a `scripted/` folder need a browser to run JavaScript (document.write of a <meta>), so
they are counted apart. `chardet/test_<encoding>.txt` files are detection cases: the whole file with
no label, the encoding named in the file name. `--pages N` also decodes every Nth page of
pages/manifest.tsv and prints how each encoding was chosen and the median and p90 times of `decode`
and `prepare`. Usage: python scripts/eval_encoding.py [-v] [--browser] [--pages N]
"""

from __future__ import annotations

import argparse
import collections
import csv
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quality.data_path import data_root  # noqa: E402
from quality.decode import _undeclared, decode, decode_explained, encoding_name  # noqa: E402
from quality.inputs import prepare  # noqa: E402


def read_cases(path: Path) -> list[tuple[bytes, str]]:
    """The (#data bytes, expected encoding) pairs of one html5lib .dat file."""
    cases = []
    for chunk in path.read_bytes().split(b"#data\n")[1:]:
        data, sep, rest = chunk.partition(b"\n#encoding\n")
        if not sep:
            continue
        expected = rest.split(b"\n", 1)[0].decode("ascii").strip()
        cases.append((data, expected))
    return cases


def same_encoding(got: str, expected: str) -> bool:
    return got.lower() == (encoding_name(expected) or expected.lower())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="print every failure")
    parser.add_argument(
        "--browser",
        action="store_true",
        help="follow labels even where the bytes contradict them (what a browser does)",
    )
    parser.add_argument("--pages", type=int, metavar="N", help="also time every Nth dataset page")
    args = parser.parse_args(argv)
    folder = data_root() / "html5lib-tests" / "encoding"
    if not folder.is_dir():
        print(f"no data at {folder}: set QUALITY_DATA", file=sys.stderr)
        return 1
    totals = {"plain": [0, 0], "scripted": [0, 0], "detection": [0, 0]}
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".dat":
            kind = "scripted" if "scripted" in path.parts else "plain"
            cases = read_cases(path)
        elif path.parent.name == "chardet" and path.stem.startswith("test_"):
            kind = "detection"
            cases = [(path.read_bytes(), path.stem.removeprefix("test_"))]
        else:
            continue
        passed = 0
        for data, expected in cases:
            _, enc = decode(data, browser=args.browser)
            if same_encoding(enc.name, expected):
                passed += 1
            elif args.verbose:
                print(
                    f"  FAIL {path.name}: expected {expected}, got {enc.name} ({enc.source}): "
                    f"{data[:80]!r}"
                )
        totals[kind][0] += passed
        totals[kind][1] += len(cases)
        print(f"{path.relative_to(folder)}\t{kind}\t{passed}/{len(cases)}")
    mode = "browser" if args.browser else "default"
    for kind, (passed, total) in totals.items():
        print(f"{kind} ({mode} mode): {passed}/{total} passed")
    if args.pages:
        pages_report(args.pages)
    return 0


def pages_report(step: int) -> None:
    """How each sampled dataset page was decoded, and the times of decode and prepare."""
    root = data_root()
    with open(root / "pages" / "manifest.tsv", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))[::step]
    chosen: collections.Counter = collections.Counter()
    times: dict[str, list[float]] = {"decode": [], "prepare": []}
    labelled = same = 0
    for row in rows:
        data = (root / row["html"]).read_bytes()
        # Detection checked against the page's own legacy <meta>: is the text the same without it?
        by_meta = decode_explained(data)
        if by_meta.encoding.source == "meta" and not data.isascii() and _not_utf8(data):
            labelled += 1
            same += _undeclared(data, ()).text == by_meta.text
        t0 = time.perf_counter()
        _, enc = decode(data)
        t1 = time.perf_counter()
        prepare(data)
        t2 = time.perf_counter()
        times["decode"].append(t1 - t0)
        times["prepare"].append(t2 - t1)
        chosen[f"{enc.source}:{enc.name}"] += 1
    print(f"pages: {len(rows)} (every {step}th of pages/manifest.tsv)")
    for key, count in chosen.most_common():
        print(f"  {key}\t{count}")
    print(
        f"detection without the <meta> gives the <meta>'s text: {same}/{labelled} "
        "(pages with a legacy <meta> and non-UTF-8 bytes)"
    )
    for name, ts in times.items():
        ts.sort()
        median, p90 = statistics.median(ts) * 1000, ts[int(0.9 * len(ts))] * 1000
        print(f"{name}: median {median:.3f} ms, p90 {p90:.3f} ms")


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


if __name__ == "__main__":
    raise SystemExit(main())
