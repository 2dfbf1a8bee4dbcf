"""Time `quality.check` on the dev pages, stage by stage, and optionally profile it.

    python scripts/profile_check.py [--profile] [--split dev]
    python scripts/profile_check.py --ref main     # extract here against extract at a commit, interleaved
    python scripts/profile_check.py --ref main --what check    # the same for the whole check

Prints the median and mean milliseconds per page of decode+parse, segment, features, model, the
whole `check` and the whole `extract` (no low-quality stage), on one core (run with OMP_NUM_THREADS=1
to keep the model's predictions on one). Times are CPU time (the machine is shared: wall time would
charge other programs' turns), and a page's time is its median over `--repeats` passes.

`--ref` imports the package as committed at a git commit (as `quality_ref`, its models beside it)
and times the two `extract`s (or, with `--what check`, the two `check(html).text`s, as
bench_extract.py times check) page by page, alternating which goes first: on a shared machine the
load drifts between two runs, so only an interleaved ratio tells a few percent apart.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import quality
from quality import corpus
from quality.blocks import segment
from quality.dom import parse, title_of
from quality.features import page_matrix
from quality.inputs import prepare
from quality.model import classify, load_model

ROOT = Path(__file__).resolve().parents[1]


def package_at(ref: str, into: Path):
    """The quality package and models as committed at `ref`, imported as `quality_ref`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "quality", "models"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    (into / "quality").rename(into / "quality_ref")
    # The package finds its word lists by name; everything else it imports relatively.
    for path in (into / "quality_ref").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if '"quality.resources"' in text:
            path.write_text(
                text.replace('"quality.resources"', '"quality_ref.resources"'), encoding="utf-8"
            )
    sys.path.insert(0, str(into))
    import quality_ref
    import quality_ref.model
    import quality_ref.signals

    _load_models_as_ref(quality_ref)
    return quality_ref


def _load_models_as_ref(package) -> None:
    """Load the reference's models now, their pickled `quality.*` classes resolved to the reference's
    own modules: left to load lazily, they would be built from this tree's classes (whatever derived
    tables those build) and run by the reference's functions."""
    aliased = {
        "quality" + name[len("quality_ref") :]: module
        for name, module in list(sys.modules.items())
        if name == "quality_ref" or name.startswith("quality_ref.")
    }
    saved = {name: sys.modules[name] for name in aliased if name in sys.modules}
    sys.modules.update(aliased)
    try:
        package.model.load_model()
        for name in ("spin", "clickbait"):
            package.signals._models.load_model(name)
    finally:
        for name in aliased:
            del sys.modules[name]
        sys.modules.update(saved)


def _check_text(package):
    return lambda text: package.check(text).text


def _same_report(old, text: str) -> bool:
    return old.check(text).to_dict() == quality.check(text).to_dict()


def compare(ref: str, texts: list[str], repeats: int, what: str = "extract") -> None:
    """Print extract's (or check's) CPU time here and at `ref`, page by page interleaved, and their
    ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        old = package_at(ref, Path(tmp))
        if what == "check":
            new_fn, old_fn = _check_text(quality), _check_text(old)
            same = sum(_same_report(old, t) for t in texts)
            kind = "report (to_dict)"
        else:
            new_fn, old_fn = quality.extract, old.extract
            same = sum(old.extract(t) == quality.extract(t) for t in texts)
            kind = "text"
        clock = time.process_time
        here: list[list[float]] = [[] for _ in texts]
        there: list[list[float]] = [[] for _ in texts]
        for r in range(repeats):
            for i, text in enumerate(texts):
                order = ((new_fn, here), (old_fn, there))
                for fn, times in order if (i + r) % 2 else order[::-1]:
                    t0 = clock()
                    fn(text)
                    times[i].append(clock() - t0)
    new = [statistics.median(t) * 1000 for t in here]
    ref_ms = [statistics.median(t) * 1000 for t in there]
    print(
        f"{what} at {ref} and here: same {kind} on {same} of {len(texts)} pages; CPU ms per page, "
        f"median of {repeats} interleaved passes"
    )
    print(
        f"{'at ' + ref:<12} median {statistics.median(ref_ms):7.3f}  mean {statistics.mean(ref_ms):7.3f}"
    )
    print(f"{'here':<12} median {statistics.median(new):7.3f}  mean {statistics.mean(new):7.3f}")
    ratios = [b / a for a, b in zip(ref_ms, new) if a > 0]
    print(
        f"here / at {ref}: mean {statistics.mean(new) / statistics.mean(ref_ms):.3f}, "
        f"median of page ratios {statistics.median(ratios):.3f}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ref", help="time extract against the package at this git commit instead")
    ap.add_argument("--what", choices=("extract", "check"), default="extract", help="with --ref")
    args = ap.parse_args()
    raw = [p.html.read_bytes() for p in corpus.pages(args.split)]
    load_model()
    quality.check(raw[0])  # warm caches: word lists, regexes, the model
    if args.ref:
        texts = [prepare(data).text or "" for data in raw]
        compare(args.ref, texts, max(args.repeats, 5), args.what)
        return 0
    names = ("parse", "segment", "features", "classify", "check", "extract")
    clock = time.process_time
    passes = []
    for _ in range(args.repeats):
        rows = []
        for data in raw:
            t0 = clock()
            parsed = parse(prepare(data).text or "")
            t1 = clock()
            blocks = segment(parsed.root) if parsed.root is not None else []
            t2 = clock()
            title = title_of(parsed.root) if parsed.root is not None else ""
            page_matrix(blocks, title=title)
            t3 = clock()
            if blocks:
                classify(blocks, title=title)
            t4 = clock()
            quality.check(data)
            t5 = clock()
            quality.extract(data)
            t6 = clock()
            rows.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5))
        passes.append(rows)
    per_page = [
        [statistics.median(p[i][k] for p in passes) * 1000 for i in range(len(raw))]
        for k in range(len(names))
    ]
    print(
        f"{len(raw)} {args.split} pages, CPU ms per page, median of {args.repeats} passes (classify includes its features)"
    )
    for k, v in zip(names, per_page):
        print(f"{k:<10} median {statistics.median(v):7.2f}  mean {statistics.mean(v):7.2f}")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for data in raw:
            quality.check(data)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
