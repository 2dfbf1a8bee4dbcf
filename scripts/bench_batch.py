"""Batch throughput against trafilatura with the same process count, and peak memory as records grow.

    python scripts/bench_batch.py [--records 500] [--jobs 1,2] [--memory 1000,10000] [--json FILE]

Speed: one plain WARC of `--records` records (dev pages, cycled) is scored by `quality batch` and, with
the very same worker pool, reader and writer, by trafilatura's `extract`, at each `--jobs` count, all in
this one run; pages/s and the ratio are printed. Peers that are not installed are skipped.
Memory: `quality batch` runs as a child process over WARCs of each `--memory` size; the peak RSS of the
parent and of its largest worker are sampled (psutil). Streaming means both stay flat as records grow.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def trafilatura_check(html, *, url=None, encoding=None, site_repeats=None) -> dict:
    """trafilatura's main-text extraction, shaped as a batch result."""
    import trafilatura

    text = trafilatura.extract(html, url=url)
    return {"status": "ok", "label": "article" if text else "boilerplate", "chars": len(text or "")}


def build_warc(path: Path, pages: list[tuple[str, bytes]], n: int) -> Path:
    from make_test_warc import http_response, warc_record

    with open(path, "wb") as f:
        for i in range(n):
            url, html = pages[i % len(pages)]
            f.write(
                warc_record(i, "response", f"{url}?copy={i // len(pages)}", http_response(html))
            )
    return path


def speed(warc: Path, jobs: int, scorer: str) -> tuple[float, float, dict]:
    """(pages per wall second, pages per CPU second of parent and workers, statuses)."""
    import resource

    from quality.batch.runner import Config, run_local
    from quality.batch.workers import Options

    cfg = Config(
        inputs=[str(warc)],
        output=os.devnull,
        jobs=jobs,
        options=Options(timeout=120, scorer=scorer),
        progress=False,
    )

    def cpu() -> float:
        own, kids = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    t, c = time.perf_counter(), cpu()
    summary = run_local(cfg)
    seconds, cpu_seconds = time.perf_counter() - t, cpu() - c
    return summary.records / seconds, summary.records / cpu_seconds, dict(summary.status)


def peak_memory(warc: Path, jobs: int, scorer: str = "quality:check") -> dict:
    import psutil

    cmd = [
        sys.executable,
        "-m",
        "quality",
        "batch",
        str(warc),
        "-o",
        os.devnull,
        "-j",
        str(jobs),
        "-q",
        "--scorer",
        scorer,
    ]
    t = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=ROOT)
    parent = worker = total = 0
    while proc.poll() is None:
        try:
            p = proc.memory_info().rss
            kids = [c.memory_info().rss for c in proc.children(recursive=True)]
        except psutil.Error:
            continue
        parent, worker, total = max(parent, p), max([worker, *kids]), max(total, p + sum(kids))
        time.sleep(0.05)
    mb = 1024 * 1024
    return {
        "seconds": round(time.perf_counter() - t, 1),
        "parent_mb": round(parent / mb, 1),
        "largest_worker_mb": round(worker / mb, 1),
        "total_mb": round(total / mb, 1),
        "rc": proc.returncode,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--records", type=int, default=500, help="records in the speed WARC (default 500)"
    )
    ap.add_argument(
        "--repeat", type=int, default=3, help="runs per setting; the median is reported (default 3)"
    )
    ap.add_argument("--jobs", default="1,2", help="process counts to compare (default 1,2)")
    ap.add_argument(
        "--memory", default="1000,10000", help="record counts for the memory runs ('' to skip)"
    )
    ap.add_argument("--memory-jobs", type=int, default=2)
    ap.add_argument("--memory-scorer", default="quality:check", help="scorer for the memory runs")
    ap.add_argument("--no-speed", action="store_true", help="only the memory runs")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parent), str(ROOT), os.environ.get("PYTHONPATH", "")]
    )
    from make_test_warc import dev_pages

    pages = dev_pages()
    if not pages:
        print("no dev pages found; set QUALITY_DATA", file=sys.stderr)
        return 1
    peers = {"quality": "quality:check"}
    if importlib.util.find_spec("trafilatura") is not None:
        peers["trafilatura"] = "bench_batch:trafilatura_check"
    else:
        print("trafilatura not installed: skipped (pip install trafilatura)", file=sys.stderr)
    results: dict = {
        "records": args.records,
        "pages": len(pages),
        "speed": {},
        "memory": {},
        "loadavg_start": os.getloadavg(),
    }
    print(f"load average (1, 5, 15 min) at the start: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        warc = build_warc(Path(tmp) / "speed.warc", pages, args.records)
        for jobs in [int(j) for j in args.jobs.split(",")] if not args.no_speed else []:
            rates: dict[str, list[float]] = {name: [] for name in peers}
            per_cpu: dict[str, list[float]] = {name: [] for name in peers}
            statuses: dict[str, dict] = {}
            for _ in range(
                args.repeat
            ):  # interleaved, so load from elsewhere hits every peer alike
                for name, scorer in peers.items():
                    rate, cpu_rate, statuses[name] = speed(warc, jobs, scorer)
                    rates[name].append(rate)
                    per_cpu[name].append(cpu_rate)
            for name, runs in rates.items():
                med, med_cpu = statistics.median(runs), statistics.median(per_cpu[name])
                results["speed"][f"{name} -j {jobs}"] = {
                    "pages_per_s": round(med, 2),
                    "pages_per_cpu_s": round(med_cpu, 2),
                    "runs": [round(r, 2) for r in runs],
                    "status": statuses[name],
                }
                print(
                    f"{name:12} -j {jobs}: median {med:6.1f} pages/s, {med_cpu:6.1f} pages/CPU-s; "
                    f"runs {[round(r, 1) for r in runs]}",
                    flush=True,
                )
        print(f"\nload average (1, 5, 15 min) at the end: {os.getloadavg()}")
        print(
            "\n| jobs | quality pages/s | trafilatura pages/s | ratio | quality pages/CPU-s "
            "| trafilatura pages/CPU-s | ratio |"
        )
        print("|---|---|---|---|---|---|---|")
        for jobs in [int(j) for j in args.jobs.split(",")] if not args.no_speed else []:
            q = results["speed"][f"quality -j {jobs}"]
            t = results["speed"].get(f"trafilatura -j {jobs}")
            if t:
                print(
                    f"| {jobs} | {q['pages_per_s']:.1f} | {t['pages_per_s']:.1f} "
                    f"| {q['pages_per_s'] / t['pages_per_s']:.2f} | {q['pages_per_cpu_s']:.1f} "
                    f"| {t['pages_per_cpu_s']:.1f} | {q['pages_per_cpu_s'] / t['pages_per_cpu_s']:.2f} |"
                )
            else:
                print(
                    f"| {jobs} | {q['pages_per_s']:.1f} | n/a | n/a | {q['pages_per_cpu_s']:.1f} | n/a | n/a |"
                )
        results["loadavg_end"] = os.getloadavg()
        for n in [int(x) for x in args.memory.split(",") if x]:
            path = build_warc(Path(tmp) / f"mem{n}.warc", pages, n)
            mem = peak_memory(path, args.memory_jobs, args.memory_scorer)
            path.unlink()
            results["memory"][str(n)] = mem
            print(f"\nmemory, {n} records, -j {args.memory_jobs}: {mem}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
