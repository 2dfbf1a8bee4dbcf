"""The Dask runner on a small local cluster gives the same lines as the local run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quality.batch.runner import Config, run_local
from quality.batch.workers import Options

from test_batch import SCORER, page, use_scorer
from test_batch_warc import PAGES, make_test_warc

distributed = pytest.importorskip(
    "dask.distributed", reason="dask[distributed] is a test/dask extra"
)


def lines(path: Path) -> dict[str, dict]:
    out = {}
    for raw in path.read_text().splitlines():
        line = json.loads(raw)
        assert line["id"] not in out
        out[line["id"]] = line
    return out


def test_dask_local_cluster_matches_the_local_run(tmp_path, monkeypatch):
    from quality.batch.distributed import run_dask

    use_scorer(tmp_path, monkeypatch)
    manifest = make_test_warc.build(tmp_path / "w", PAGES)
    html_dir = tmp_path / "pages"
    html_dir.mkdir()
    for i in range(5):
        (html_dir / f"{i}.html").write_text(page(f"Page {i}"))
    scorer_name = SCORER[1] if SCORER else "quality:check"
    inputs = [manifest["path"], str(html_dir)]
    options = Options(timeout=30, scorer=scorer_name)
    local = run_local(
        Config(
            inputs=inputs,
            output=str(tmp_path / "local.jsonl"),
            jobs=1,
            options=options,
            progress=False,
        )
    )
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # a third of the archive per partition: byte ranges that fall in the middle of records
        third = Path(manifest["path"]).stat().st_size // 3 + 1
        summary = run_dask(
            Config(inputs=inputs, output=str(tmp_path / "dask.jsonl"), options=options),
            "local",
            partition_bytes=third,
            client=client,
        )
    a, b = lines(tmp_path / "local.jsonl"), lines(tmp_path / "dask.jsonl")
    assert set(a) == set(b)
    assert len(b) == len(manifest["records"]) + 5 == summary.records == local.records
    for key in a:
        for field in ("status", "label", "reasons", "flags", "offset", "record_id"):
            assert a[key].get(field) == b[key].get(field), (key, field)
    path = manifest["path"]
    assert summary.files[path]["errors"] == local.files[path]["errors"] == 2
    assert summary.files[path]["junk_bytes"] == local.files[path]["junk_bytes"] > 0
