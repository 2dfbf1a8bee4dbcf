"""Main-text F1 and speed of `quality` and its peers on the dev pages of every set, in one run.

    python scripts/bench_extract.py                    # all extractors, all sets, 3 rounds of timed passes
    python scripts/bench_extract.py --only quality.extract,trafilatura --repeats 1
    python scripts/bench_extract.py --update-doc docs/benchmarks.md

Every page is decoded once, by the project's decoder, and every extractor gets the same text. Each
extractor runs in its own subprocess pinned to one CPU: one untimed pass (imports, model loading,
caches warm; its output is what gets scored), then `--repeats` timed passes over all pages. The
timed passes go in rounds, one pass of every extractor a round, so that a slower or faster spell of
the shared machine falls on every extractor alike. Time is the process's CPU time per page (wall
time would charge an extractor for other programs' turns); pages/s is the page count over the
median pass, and a speed ratio is the median over the rounds of the two extractors' ratio within a
round. Peak memory is the subprocess's maximum resident set size, and its growth over the resident
size once the pages were loaded. Main text is scored with the metric of
`../shared/datasets/README.md` (word 4-gram multisets per page, precision and recall averaged over
pages, F1 of the averages).

The peers are the project's `bench` extra (`pip install '.[bench]'`); a peer that is not installed
or fails to import is skipped and named in the output.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import re
import resource
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASELINE = "trafilatura"  # speed ratios are against trafilatura's default settings
OURS = ("quality.check", "quality.extract")
DOC_START, DOC_END = "<!-- bench:start -->", "<!-- bench:end -->"
TIMEOUT_S = 3600  # per pass of one extractor; newspaper4k is the slowest at ~80 ms a page


# --- extractors: name -> (distribution for its version, function building a str -> str callable) ---


def _quality_extract():
    import quality

    return quality.extract


def _quality_check():
    import quality

    # The full report, low-quality stage included; its article text is scored.
    return lambda html: quality.check(html).text


def _quality_extract_bytes():
    import quality

    # The `[bytes]` name makes the worker pass the raw bytes, so decoding is timed too.
    return quality.extract


def _trafilatura(**options):
    def build():
        import trafilatura

        return lambda html: trafilatura.extract(html, **options) or ""

    return build


def _readability():
    from lxml import html as lxml_html
    from readability import Document

    def run(html: str) -> str:
        summary = Document(html).summary(html_partial=True)
        if not summary.strip():
            return ""
        return "\n".join(lxml_html.fromstring(summary).itertext())

    return run


def _newspaper():
    import logging

    from newspaper import Article

    logging.getLogger("newspaper").setLevel(logging.ERROR)

    def run(html: str) -> str:
        article = Article("http://example.com/page.html", fetch_images=False)
        article.download(input_html=html)
        article.parse()
        return article.text or ""

    return run


def _resiliparse():
    from resiliparse.extract.html2text import extract_plain_text

    return lambda html: extract_plain_text(html, main_content=True)


def _boilerpy3():
    from boilerpy3 import extractors

    extractor = extractors.ArticleExtractor(raise_on_failure=False)
    return lambda html: extractor.get_content(html) or ""


def _justext():
    import justext

    stoplist = justext.get_stoplist("English")

    def run(html: str) -> str:
        return "\n".join(p.text for p in justext.justext(html, stoplist) if not p.is_boilerplate)

    return run


EXTRACTORS = {
    "quality.check": ("quality", _quality_check),
    "quality.extract": ("quality", _quality_extract),
    "quality.extract[bytes]": ("quality", _quality_extract_bytes),
    "trafilatura": ("trafilatura", _trafilatura()),
    "trafilatura[favor_precision]": ("trafilatura", _trafilatura(favor_precision=True)),
    "trafilatura[fast]": ("trafilatura", _trafilatura(fast=True)),
    "readability-lxml": ("readability-lxml", _readability),
    "newspaper4k": ("newspaper4k", _newspaper),
    "resiliparse": ("resiliparse", _resiliparse),
    "boilerpy3": ("boilerpy3", _boilerpy3),
    "justext": ("justext", _justext),
}


# --- data and metric: quality.corpus when present, else the same rules written out here ---


def _corpus():
    try:
        from quality import corpus
    except ImportError:
        return None
    return corpus


_WORD = re.compile(r"\w+")


def _shingles(text: str, n: int = 4) -> Counter:
    tokens = _WORD.findall(text or "")
    return (
        Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))
        if tokens
        else Counter()
    )


def match_counts(predicted: str, gold: str) -> tuple[int, int, int]:
    """True positive, false positive and false negative word 4-gram counts of one page."""
    corpus = _corpus()
    if corpus is not None:
        return corpus.match_counts(predicted, gold)
    pred, true = _shingles(predicted), _shingles(gold)
    tp = sum((pred & true).values())
    return tp, sum(pred.values()) - tp, sum(true.values()) - tp


def score(counts: list[tuple[int, int, int]]) -> tuple[float, float, float]:
    """Precision and recall averaged over the pages where each is defined, and F1 of the averages."""
    corpus = _corpus()
    if corpus is not None:
        s = corpus.main_text_score(counts)
        return s.f1, s.precision, s.recall
    precisions = [tp / (tp + fp) for tp, fp, fn in counts if tp + fp]
    recalls = [tp / (tp + fn) for tp, fp, fn in counts if tp + fn]
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def load_pages(split: str, sets: list[str] | None, limit: int | None) -> list[dict]:
    """The split's pages with gold: set, id, raw bytes, decoded text, gold main text."""
    corpus = _corpus()
    if corpus is None:
        raise SystemExit(
            "quality.corpus is missing: it holds the gold loaders this benchmark scores with"
        )
    out = []
    per_set: Counter = Counter()
    for page in corpus.pages(split, sets=sets):
        if limit and per_set[page.set] >= limit:
            continue
        per_set[page.set] += 1
        raw = page.html.read_bytes()
        out.append(
            {
                "set": page.set,
                "id": page.id,
                "raw": raw,
                "text": corpus.decode_html(raw),
                "gold": corpus.gold_text(page),
            }
        )
    return out


# --- one extractor in its own process ---


def worker(name: str, pages_file: Path, cpu: int) -> None:
    """Run one extractor over the pages, speaking one JSON line per request on stdout.

    First a scored pass, then `{"ready": true}`; each "pass" line on stdin is answered with one timed
    pass's per-page times, and "end" with the outputs, errors, version and memory.
    """
    # Only the protocol goes to the real stdout: whatever an extractor prints goes to stderr.
    reply = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(obj) -> None:
        reply.write(json.dumps(obj) + "\n")
        reply.flush()

    os.sched_setaffinity(0, {cpu})
    # Only the input this extractor takes is loaded, so the resident size after loading is its floor.
    kind = "raw" if name.endswith("[bytes]") else "text"
    with open(pages_file.with_suffix(f".{kind}"), "rb") as f:
        inputs = pickle.load(f)
    rss_loaded_kb = _peak_rss_kb()
    dist, build = EXTRACTORS[name]
    try:
        extract = build()
    except Exception as exc:  # a peer missing or broken is reported, not fatal
        return send({"name": name, "skipped": f"{type(exc).__name__}: {exc}"})
    outputs, errors = [], Counter()
    for html in inputs:
        try:
            outputs.append(extract(html) or "")
        except Exception as exc:  # a peer failing on a page scores that page as empty output
            errors[type(exc).__name__] += 1
            outputs.append("")
    if sum(errors.values()) * 2 > len(
        inputs
    ):  # scoring and timing mostly-failed calls would mislead
        failed = f"failed on {sum(errors.values())} of {len(inputs)} pages: {dict(errors)}"
        return send({"name": name, "skipped": failed})
    send({"ready": True})
    clock = time.process_time
    for line in sys.stdin:
        if line.strip() != "pass":
            break
        per_page = []
        for html in inputs:
            t0 = clock()
            try:
                extract(html)
            except Exception:
                pass
            per_page.append(clock() - t0)
        send(per_page)
    peak_kb = _peak_rss_kb()
    send(
        {
            "name": name,
            "version": _version(dist),
            "outputs": outputs,
            "errors": dict(errors),
            "peak_mb": peak_kb / 1024,
            "growth_mb": (peak_kb - rss_loaded_kb) / 1024,
        }
    )


def _peak_rss_kb() -> int:
    """This process's peak resident set size in KiB."""
    # VmHWM starts afresh at exec; ru_maxrss carries over the parent's peak from before the fork.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


class Worker:
    """One extractor's subprocess (`worker` in a fresh interpreter, so imports and memory are its
    own), asked for one timed pass at a time."""

    def __init__(self, name: str, pages_file: Path, cpu: int, log_dir: Path):
        self.name = name
        self.skipped: str | None = None
        self.times: list[list[float]] = []
        self._log = open(log_dir / f"{name}.stderr", "w+b")  # noqa: SIM115 (closed in finish)
        cmd = [sys.executable, __file__, "--worker", name, "--pages-file", str(pages_file)]
        cmd += ["--cpu", str(cpu)]
        # One thread for native pools too (OpenMP in scikit-learn, BLAS), as the CPU pin intends.
        env = os.environ | {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        env["MKL_NUM_THREADS"] = "1"
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True, env=env
        )
        first = self._ask(None)
        if isinstance(first, dict) and "skipped" in first:
            self._stop(first["skipped"])

    def timed_pass(self) -> None:
        if self.skipped is None:
            times = self._ask("pass")
            if isinstance(times, list):
                self.times.append(times)

    def finish(self) -> dict:
        result = self._ask("end") if self.skipped is None else None
        self._stop(self.skipped or "")
        self._log.close()
        if self.skipped:
            return {"name": self.name, "skipped": self.skipped}
        return result | {"times": self.times}

    def _ask(self, request: str | None):
        """Send a request line (None: only read) and return the reply; on failure, stop."""
        if self.skipped is not None:
            return None
        proc = self._proc
        try:
            if request is not None:
                proc.stdin.write(request + "\n")
                proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], TIMEOUT_S)
            line = proc.stdout.readline() if ready else None
        except OSError:  # the worker is gone: its stderr says why
            line = ""
        if line is None:
            self._stop(f"timed out after {TIMEOUT_S} s")
            return None
        if not line:
            proc.wait()
            self._log.seek(0)
            tail = self._log.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            self._stop(f"exit {proc.returncode}: {(tail or ['no output'])[0]}")
            return None
        return json.loads(line)

    def _stop(self, why: str) -> None:
        if why and self.skipped is None:
            self.skipped = why
        if self._proc.poll() is None:
            try:
                self._proc.stdin.close()
                self._proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()


def run_workers(names: list[str], pages_file: Path, repeats: int, cpu: int) -> list[dict]:
    """Every extractor's scored pass, then `repeats` rounds of one timed pass each."""
    workers = []
    for name in names:
        t0 = time.monotonic()
        workers.append(Worker(name, pages_file, cpu, pages_file.parent))
        status = workers[-1].skipped or "ready"
        print(f"  {name}: {status} ({time.monotonic() - t0:.0f} s)", file=sys.stderr)
    for r in range(repeats):
        t0 = time.monotonic()
        # Each round starts one extractor later, so none is always first after the others.
        for w in workers[r % len(workers) :] + workers[: r % len(workers)]:
            w.timed_pass()
        print(f"  round {r + 1} of {repeats} ({time.monotonic() - t0:.0f} s)", file=sys.stderr)
    return [w.finish() for w in workers]


# --- report ---


def summarise(result: dict, pages: list[dict]) -> dict:
    """Per set and over all pages: F1, P, R, pages/s (from the median pass), errors."""
    sets = sorted({p["set"] for p in pages}) + ["all"]
    out = {}
    for s in sets:
        idx = [i for i, p in enumerate(pages) if s == "all" or p["set"] == s]
        counts = [match_counts(result["outputs"][i], pages[i]["gold"]) for i in idx]
        f1, p, r = score(counts)
        pass_times = [sum(run[i] for i in idx) for run in result["times"]]
        median = statistics.median(pass_times) if pass_times else float("nan")
        out[s] = {
            "f1": f1,
            "p": p,
            "r": r,
            "pages": len(idx),
            "pps": len(idx) / median if median else float("inf"),
        }
    return out


def speed_ratio(result: dict, base: dict, pages: list[dict], s: str) -> float:
    """How many times `base`'s CPU time on set `s` (or "all") `result` takes: the median over the
    rounds of the ratio within a round, since both timed one pass each round."""
    idx = [i for i, p in enumerate(pages) if s == "all" or p["set"] == s]
    ratios = [
        sum(theirs[i] for i in idx) / max(sum(ours[i] for i in idx), 1e-12)
        for ours, theirs in zip(result["times"], base["times"])
    ]
    return statistics.median(ratios) if ratios else float("nan")


def format_report(results: list[dict], pages: list[dict], args: argparse.Namespace) -> str:
    """Markdown: one table per set, then speed ratios and memory, then what was skipped."""
    done = [r for r in results if "skipped" not in r]
    summaries = {r["name"]: summarise(r, pages) for r in done}
    errors_of = {r["name"]: sum(r["errors"].values()) for r in done}
    sets = sorted({p["set"] for p in pages}) + ["all"]
    lines = [
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.processor() or platform.machine()}"
        f" ({_cpu_model()}), Python {platform.python_version()}, one CPU, {args.repeats} rounds of timed passes,"
        f" CPU time; split `{args.split}`.",
        "",
    ]
    for s in sets:
        n = next(iter(summaries.values()))[s]["pages"] if summaries else 0
        lines += [
            f"### {s} ({n} pages)",
            "",
            "| extractor | F1 | precision | recall | pages/s |",
            "|---|---|---|---|---|",
        ]
        for name in sorted(summaries, key=lambda k: -summaries[k][s]["f1"]):
            m = summaries[name][s]
            mark = " (page errors)" if errors_of[name] else ""
            lines.append(
                f"| {name}{mark} | {m['f1']:.3f} | {m['p']:.3f} | {m['r']:.3f} | {m['pps']:.0f} |"
            )
        lines.append("")
    peers = [n for n in summaries if not n.startswith("quality")]
    if "quality.extract" in summaries and peers:
        lines += [
            "### quality.extract against the best peer of each set (F1)",
            "",
            "| set | quality.extract | best peer | peer F1 | difference |",
            "|---|---|---|---|---|",
        ]
        for s in sets:
            best = max(peers, key=lambda n: summaries[n][s]["f1"])
            ours, theirs = summaries["quality.extract"][s]["f1"], summaries[best][s]["f1"]
            lines.append(f"| {s} | {ours:.3f} | {best} | {theirs:.3f} | {ours - theirs:+.3f} |")
        lines.append("")
    if BASELINE in summaries and any(n.startswith("quality") for n in summaries):
        lines += [
            "### Speed against trafilatura (default settings), pages/s ratio",
            "",
            "| extractor | " + " | ".join(sets) + " |",
            "|---|" + "---|" * len(sets),
        ]
        base = next(r for r in done if r["name"] == BASELINE)
        for result in [r for r in done if r["name"].startswith("quality")]:
            ratios = [speed_ratio(result, base, pages, s) for s in sets]
            lines.append(f"| {result['name']} | " + " | ".join(f"{x:.2f}x" for x in ratios) + " |")
        lines.append("")
    lines += [
        "### Memory and versions",
        "",
        "| extractor | version | peak RSS MB | growth MB | page errors |",
        "|---|---|---|---|---|",
    ]
    for r in done:
        errors = ", ".join(f"{k} {v}" for k, v in r["errors"].items()) or "0"
        lines.append(
            f"| {r['name']} | {r['version']} | {r['peak_mb']:.0f} | {r['growth_mb']:.0f} | {errors} |"
        )
    skipped = [r for r in results if "skipped" in r]
    if skipped:
        lines += [
            "",
            "Skipped: " + "; ".join(f"{r['name']} ({r['skipped']})" for r in skipped) + ".",
        ]
    return "\n".join(lines) + "\n"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def update_doc(doc: Path, report: str, command: str) -> None:
    """Replace the text between the bench markers of `doc` with the command and the report."""
    body = f"{DOC_START}\n```\n{command}\n```\n\n{report}{DOC_END}"
    text = (
        doc.read_text(encoding="utf-8")
        if doc.exists()
        else f"# Benchmarks\n\n{DOC_START}\n{DOC_END}\n"
    )
    if DOC_START not in text:
        text = text.rstrip() + f"\n\n{DOC_START}\n{DOC_END}\n"
    head, rest = text.split(DOC_START, 1)
    tail = rest.split(DOC_END, 1)[1] if DOC_END in rest else "\n"
    doc.write_text(head + body + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--only", help="comma-separated extractor names (default: all): " + ", ".join(EXTRACTORS)
    )
    ap.add_argument("--sets", help="comma-separated set names (default: all)")
    ap.add_argument("--split", default="dev")
    ap.add_argument("--limit", type=int, help="at most this many pages per set (for a quick look)")
    ap.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="rounds of timed passes, one per extractor a round (default 3)",
    )
    ap.add_argument(
        "--cpu", type=int, help="the CPU to pin to (default: the last one this process may use)"
    )
    ap.add_argument(
        "--update-doc", type=Path, help="write the report between the bench markers of this file"
    )
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--pages-file", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    cpu = args.cpu if args.cpu is not None else max(os.sched_getaffinity(0))

    if args.worker:
        worker(args.worker, args.pages_file, cpu)
        return 0

    names = args.only.split(",") if args.only else list(EXTRACTORS)
    unknown = [n for n in names if n not in EXTRACTORS]
    if unknown:
        ap.error(f"unknown extractor(s) {', '.join(unknown)}; choose from {', '.join(EXTRACTORS)}")
    pages = load_pages(args.split, args.sets.split(",") if args.sets else None, args.limit)
    print(
        f"{len(pages)} {args.split} pages with gold; extractors: {', '.join(names)}",
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory() as tmp:
        pages_file = Path(tmp) / "pages"
        for kind in ("raw", "text"):
            with open(pages_file.with_suffix(f".{kind}"), "wb") as f:
                pickle.dump([p[kind] for p in pages], f)
        results = run_workers(names, pages_file, args.repeats, cpu)
    report = format_report(results, pages, args)
    print(report)
    if args.update_doc:
        command = "python scripts/bench_extract.py " + " ".join(
            argv if argv is not None else sys.argv[1:]
        )
        update_doc(args.update_doc, report, command.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
