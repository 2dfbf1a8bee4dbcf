"""Score `quality.decode` on the html5lib encoding cases: passed/total per file and overall.

Cases under a `scripted/` folder need a browser to run JavaScript (document.write of a <meta>), so
they are counted apart. `chardet/test_<encoding>.txt` files are detection cases: the whole file with
no label, the encoding named in the file name. Usage: python scripts/eval_encoding.py [-v]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quality.data_path import data_root  # noqa: E402
from quality.decode import decode, encoding_name  # noqa: E402


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
                print(f"  FAIL {path.name}: expected {expected}, got {enc.name} ({enc.source}): "
                      f"{data[:80]!r}")
        totals[kind][0] += passed
        totals[kind][1] += len(cases)
        print(f"{path.relative_to(folder)}\t{kind}\t{passed}/{len(cases)}")
    mode = "browser" if args.browser else "default"
    for kind, (passed, total) in totals.items():
        print(f"{kind} ({mode} mode): {passed}/{total} passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
