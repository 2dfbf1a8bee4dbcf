"""A pool of scoring processes, each record under a deadline and a memory limit.

Workers are separate interpreters started with `subprocess` (so the pool also runs inside daemonic
processes such as Dask workers), talking over a pair of pipes. The parent knows which record each
worker holds: when a worker passes its deadline it is killed with SIGKILL (no reliance on
`signal.alarm`, which C code never sees), when it dies the pipe says so; either way the record gets its
own `timeout` or `error` line and a fresh worker takes the slot. Memory is capped in the worker with
RLIMIT_AS, counted from what the interpreter already maps after its imports.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from .sources import Record

log = logging.getLogger(__name__)

DEFAULT_SCORER = "quality:check"
FAULTS_ENV = "QUALITY_BATCH_TEST_FAULTS"  # test-only: lets marked pages hang, crash or eat memory


@dataclass(frozen=True, slots=True)
class Options:
    """What every worker does with a record."""

    timeout: float = 60.0  # seconds per record
    memory_mb: int = 2048  # address space a worker may add on top of its imports; 0: no limit
    text: bool = False
    blocks: bool = False
    mode: str = "score"  # score, or keys (site-template first pass)
    scorer: str = DEFAULT_SCORER  # module:function, called like quality.check


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class _Worker:
    """One child interpreter and the pipes to it."""

    def __init__(self, options: Options) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        args = [
            sys.executable,
            "-m",
            "quality.batch.workers",
            str(to_child_r),
            str(from_child_w),
            pickle.dumps(options).hex(),
        ]
        self.proc = subprocess.Popen(
            args,
            pass_fds=(to_child_r, from_child_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            close_fds=True,
            env=_child_env(),
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self.send_conn = Connection(to_child_w, readable=False)
        self.conn = Connection(from_child_r, writable=False)
        self.ready = False
        self.record: Record | None = None
        self.task: int = 0
        self.started = 0.0

    def send(self, task: int, record: Record, site_repeats: frozenset[int] | None) -> None:
        self.record, self.task, self.started = record, task, time.monotonic()
        job = (
            record.html,
            record.url,
            record.encoding,
            record.content_encoding,
            record.chunked,
            site_repeats,
        )
        self.send_conn.send((task, job))

    def kill(self) -> int | None:
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGKILL)
            except ProcessLookupError:
                pass
        for conn in (self.conn, self.send_conn):
            conn.close()
        return self.proc.wait()

    def close(self) -> None:
        self.send_conn.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
        self.conn.close()


def _child_env() -> dict[str, str]:
    """Our environment, with this package importable even when it is not installed."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    # Parallelism is one process per core; threads inside a worker only fight the other workers.
    # Measured: a one-page gradient-boosting predict took 0.18 s with OpenMP threads on a busy
    # 2-core machine and 0.014 s with one thread.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


class Pool:
    """`jobs` workers that can score one batch of records after another."""

    def __init__(self, jobs: int, options: Options) -> None:
        self.options = options
        self.workers = [_Worker(options) for _ in range(max(1, jobs))]
        self._task = 0

    def run(
        self, records: Iterable[Record], site_repeats: dict[str, frozenset[int]] | None = None
    ) -> Iterator[tuple[Record, dict]]:
        """Score records; yield (record, result) as each finishes, exactly one per record."""
        it = iter(records)
        workers, limit = self.workers, self.options.timeout
        pending = True
        try:
            while True:
                idle = [w for w in workers if w.ready and w.record is None]
                while pending and idle:
                    try:
                        record = next(it)
                    except StopIteration:
                        pending = False
                        break
                    if record.error is not None:
                        yield record, failure("error", record.error, record.detail)
                        continue
                    self._task += 1
                    repeats = site_repeats.get(record.site) if site_repeats else None
                    idle.pop().send(self._task, record, repeats)
                busy = [w for w in workers if w.record is not None]
                if not pending and not busy:
                    return
                now = time.monotonic()
                timeout = min((w.started + limit - now for w in busy), default=None)
                ready = wait(
                    [w.conn for w in workers], None if timeout is None else max(timeout, 0)
                )
                for i, w in enumerate(workers):
                    if w.conn in ready:
                        result, alive = _receive(w)
                        if result is not None:
                            yield result
                        if not alive:
                            workers[i] = _Worker(self.options)
                now = time.monotonic()
                for i, w in enumerate(workers):
                    if w.record is not None and now - w.started > limit:
                        record = w.record
                        w.kill()
                        workers[i] = _Worker(self.options)
                        detail = f"no result after {limit:g} s; worker killed"
                        yield record, failure("timeout", "deadline_exceeded", detail)
        finally:
            # stopped early (an exception, or the caller closed us): the records in flight are
            # abandoned, so their workers are replaced to keep the pool usable
            for i, w in enumerate(workers):
                if w.record is not None:
                    w.kill()
                    workers[i] = _Worker(self.options)

    def close(self) -> None:
        for w in self.workers:
            if w.record is not None or not w.ready:
                w.kill()
            else:
                w.close()
        self.workers = []


def run(
    records: Iterable[Record],
    jobs: int,
    options: Options,
    site_repeats: dict[str, frozenset[int]] | None = None,
) -> Iterator[tuple[Record, dict]]:
    """Score records on a fresh pool of `jobs` workers; yield (record, result) as each finishes."""
    pool = Pool(jobs, options)
    try:
        yield from pool.run(records, site_repeats)
    finally:
        pool.close()


def _receive(w: _Worker) -> tuple[tuple[Record, dict] | None, bool]:
    """One message from a worker: (finished record and result, or None; worker usable)."""
    try:
        task, result = w.conn.recv()
    except (EOFError, OSError):
        record = w.record
        try:  # the pipe closes as the process ends: wait a moment for its own exit code
            w.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            pass
        code = w.kill()
        if record is None:
            if not w.ready:
                raise RuntimeError(
                    f"a batch worker exited while starting (exit code {code}); see stderr"
                )
            return None, False
        detail = (
            f"worker died with signal {-code}"
            if code and code < 0
            else f"worker exited with code {code}"
        )
        return (record, failure("error", "worker_crashed", detail)), False
    if task == 0:  # the worker's hello after its imports
        w.ready = True
        return None, True
    record, w.record = w.record, None
    if task != w.task or record is None:
        raise RuntimeError("batch worker answered out of turn")
    alive = result.pop("_worker_exits", False) is False
    if not alive:
        w.kill()
    return (record, result), alive


def failure(status: str, reason: str, detail: str = "") -> dict:
    """The result for a record that got no verdict."""
    return {
        "status": status,
        "label": None,
        "scores": None,
        "reasons": [reason],
        "flags": [],
        "encoding": None,
        "title": None,
        "error": detail,
    }


# ---- the worker side -------------------------------------------------------------------------


def _limit_memory(megabytes: int) -> None:
    try:
        import resource

        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = mapped + megabytes * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError) as exc:  # not Linux: no limit, say so once
        log.warning("memory limit not enforced here: %s", exc)


def _load(spec: str):
    import importlib

    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def _test_fault(html: bytes | str | None) -> None:
    """Misbehave on purpose for marked pages, only when the test environment variable is set."""
    if not os.environ.get(FAULTS_ENV) or html is None:
        return
    head = html[:4096] if isinstance(html, bytes) else html[:4096].encode("utf-8", "replace")
    if b"quality-test-fault:hang" in head:
        time.sleep(3600)
    elif b"quality-test-fault:crash" in head:
        os.kill(os.getpid(), signal.SIGSEGV)
    elif b"quality-test-fault:memory" in head:
        # bytes(n) takes fresh zero pages without writing them, so the limit on address space is
        # reached at once; bytearray(n) writes every page, which took 2.6 s in one run of six on a
        # shared virtual machine and put tests/test_batch.py's record past its 3 s deadline.
        hog = []
        while True:
            hog.append(bytes(64 * 1024 * 1024))
    elif b"quality-test-fault:raise" in head:
        raise RuntimeError("planted failure")


def _work(job: tuple, scorer, options: Options) -> dict:
    from .payload import decode_body

    html, url, encoding, content_encoding, chunked, repeats = job
    flags: tuple[str, ...] = ()
    if isinstance(html, bytes) and (content_encoding or chunked):
        html, flags = decode_body(html, content_encoding, chunked)
    _test_fault(html)
    if options.mode == "keys":
        from quality.blocks import text_key
        from quality.pipeline import page_blocks

        return {
            "keys": sorted(
                {text_key(b.text) for b in page_blocks(html, encoding=encoding) if b.text}
            )
        }
    report = scorer(html, url=url, encoding=encoding, site_repeats=repeats)
    if isinstance(report, dict):
        out = dict(report)
    else:
        out = report.to_dict(blocks=options.blocks)
        if options.text:
            out["text"] = report.text
    if flags:
        out["flags"] = list(out.get("flags") or ()) + list(flags)
        if out.get("status") == "ok":
            out["status"] = "degraded"
    return out


# A short English article with a bait heading: `check` on it loads every model it uses (the spin
# and clickbait models load only when an English article or a heading needs them), and a scorer
# that needs fewer loads no more than it needs.
WARM_UP_PAGE = (
    b"<html><head><title>Harbour ferry timetable changes from Monday</title></head><body>"
    b"<h1>Harbour ferry timetable changes from Monday</h1>"
    b"<p>The harbour ferry will leave the northern pier every twenty minutes from Monday, the "
    b"city's transport office said on Tuesday, after a winter in which passengers complained about "
    b"crowded boats and long waits on the quay during the morning rush.</p>"
    b"<p>Officials said the new timetable would stay in place until the end of the summer, when the "
    b"second electric boat is due to join the fleet and the office plans to review how many people "
    b"use each crossing.</p>"
    b"<div class='related'><h3>You Won't Believe What This Ferry Captain Did Next</h3></div>"
    b"</body></html>"
)


def _serve(read_fd: int, write_fd: int, options: Options) -> None:
    inbox, outbox = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    scorer = _load(options.scorer)
    try:  # load lazy models now, so the first record's deadline is about the page, not the start-up
        _work((WARM_UP_PAGE, None, None, None, False, None), scorer, options)
    except Exception:  # a scorer that cannot even do this will say why on every record
        pass
    if options.memory_mb > 0:
        _limit_memory(options.memory_mb)
    outbox.send((0, None))
    while True:
        try:
            task, job = inbox.recv()
        except EOFError:
            return
        started = time.perf_counter()
        try:
            result = _work(job, scorer, options)
        except MemoryError:
            result = failure("error", "memory_limit_exceeded", f"over {options.memory_mb} MB")
            result["_worker_exits"] = True  # a worker that ran out of memory may be in a bad state
        except Exception as exc:  # one bad page must not end the run: it gets an error line
            result = failure("error", "scorer_failed", f"{type(exc).__name__}: {exc}"[:500])
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        outbox.send((task, result))
        if result.get("_worker_exits"):
            return


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the parent dies, even while a page holds it in C code."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1 is PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


if __name__ == "__main__":
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _serve(int(sys.argv[1]), int(sys.argv[2]), pickle.loads(bytes.fromhex(sys.argv[3])))
