"""The same batch on a Dask cluster: partitions by file or WARC byte range, one line per record.

The driver lists the inputs and cuts them into partitions of about `partition_bytes`: a large WARC is
split into byte ranges (each range reads the records whose header starts inside it, see `warc`), small
files are grouped. Each partition is one Dask task, which runs the local worker pool on its records,
so a record still gets its deadline, memory limit and own error line inside a Dask worker. Results come
back per partition and the driver writes them to the one output file as partitions finish, so
`--resume` works as it does locally.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from . import output, sources
from .runner import Config, Summary, make_line
from .sources import Source
from .workers import Options, Pool

_local = threading.local()


def _pool(options: Options) -> Pool:
    """This Dask worker thread's scoring process, kept between tasks so it starts once."""
    pool = getattr(_local, "pool", None)
    if pool is None or pool.options != options:
        if pool is not None:
            pool.close()
        pool = _local.pool = Pool(1, options)
    return pool


log = logging.getLogger(__name__)


def partitions(srcs: list[Source], partition_bytes: int) -> list[list[Source]]:
    """Groups of sources of about partition_bytes each; big WARC files cut into byte ranges."""
    parts: list[list[Source]] = []
    group: list[Source] = []
    size = 0
    for src in srcs:
        n = os.path.getsize(src.path)
        if src.kind == "warc" and n > partition_bytes:
            parts += [
                [Source(src.path, "warc", a, min(a + partition_bytes, n))]
                for a in range(0, n, partition_bytes)
            ]
            continue
        group.append(src)
        size += n
        if size >= partition_bytes:
            parts.append(group)
            group, size = [], 0
    if group:
        parts.append(group)
    return parts


def score_partition(
    part: list[Source], cfg: Config, done: output.DoneKeys | None = None
) -> tuple[list[dict], dict]:
    """Score one partition with the local pool; returns its output lines and per-file totals."""
    totals = sources.ReadTotals()
    records = sources.read(part, totals, html_field=cfg.html_field, url_field=cfg.url_field)
    skipped = 0
    lines = []

    def todo():
        nonlocal skipped
        for record in records:
            if done is not None and len(done) and record.key in done:
                skipped += 1
                continue
            yield record

    for record, result in _pool(cfg.options).run(todo()):
        lines.append(make_line(record, result))
    return lines, {"files": {p: t.to_dict() for p, t in totals.files.items()}, "resumed": skipped}


def run_dask(
    cfg: Config, address: str, *, partition_bytes: int = 256 * 1024 * 1024, client=None
) -> Summary:
    """Run cfg on the Dask scheduler at address (`local`: a local cluster); returns the summary."""
    from dask.distributed import Client, LocalCluster, as_completed

    srcs = list(sources.expand(cfg.inputs, cfg.kind))
    if any(s.path == "-" for s in srcs):
        raise ValueError("--dask reads files by path; standard input cannot be partitioned")
    if cfg.sites:
        raise ValueError("--sites is not supported with --dask yet; run it locally")
    started = time.monotonic()
    own = client is None
    if own:
        client = Client(LocalCluster(processes=False) if address == "local" else address)
    summary = Summary()
    try:
        done = output.load_done(cfg.output) if cfg.resume else None
        done_ref = client.scatter(done, broadcast=True) if done is not None else None
        parts = partitions(srcs, partition_bytes)
        task_cfg = Config(
            inputs=[],
            output="",
            jobs=1,
            options=cfg.options,
            kind=cfg.kind,
            html_field=cfg.html_field,
            url_field=cfg.url_field,
        )
        futures = client.map(
            score_partition, parts, cfg=task_cfg, done=done_ref, retries=1, pure=False
        )
        failed = 0
        with output.Writer(cfg.output, append=cfg.resume) as writer:
            for future in as_completed(futures):
                try:
                    lines, info = future.result()
                except Exception as exc:  # a partition whose Dask worker died twice: say which
                    failed += 1
                    log.error("partition %s failed: %s", parts[futures.index(future)], exc)
                    continue
                finally:
                    future.release()
                for line in lines:
                    writer.write(line)
                    summary.add(line)
                summary.resumed += info["resumed"]
                for path, t in info["files"].items():
                    _merge(summary.files.setdefault(path, {}), t)
        if failed:
            raise RuntimeError(f"{failed} of {len(parts)} partitions failed; rerun with --resume")
    finally:
        summary.seconds = time.monotonic() - started
        if own:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
    return summary


def _merge(into: dict, part: dict) -> None:
    """Add one partition's totals for a file to the file's running totals."""
    for key, value in part.items():
        if key == "faults":
            into["faults"] = sorted(into.get("faults", []) + value, key=lambda f: f["offset"])
        else:
            into[key] = into.get(key, 0) + value
