"""`quality batch` end to end: one line per record whatever happens, faults, resume, inputs."""

from __future__ import annotations

import functools
import gzip
import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from quality.batch.workers import FAULTS_ENV
from quality.cli import main
from quality.data_path import data_root

ROOT = Path(__file__).resolve().parents[1]


def page(title: str, extra: str = "") -> str:
    paras = "".join(
        f"<p>{title} paragraph {j}: a sentence long enough to read as article text here.</p>"
        for j in range(8)
    )
    return f"<html><head><title>{title}</title></head><body>{extra}<h1>{title}</h1>{paras}</body></html>"


STUB = """
from quality.pipeline import page_blocks
from quality.records import BlockReport, Label, PageReport, Status, uniform_scores


def check(html, *, url=None, encoding=None, site_repeats=None):
    blocks = page_blocks(html, encoding=encoding)
    reports = tuple(BlockReport(b, Label.ARTICLE, uniform_scores(Label.ARTICLE)) for b in blocks)
    title = blocks[0].text if blocks else ""
    flags = ("site_repeats_%d" % len(site_repeats),) if site_repeats else ()
    return PageReport(Status.OK, Label.ARTICLE, uniform_scores(Label.ARTICLE), flags=flags, blocks=reports,
                      url=url, title=title)
"""


@functools.lru_cache(maxsize=1)
def _model_loads() -> bool:
    from quality import model
    from quality.errors import ModelError

    try:
        model.load_model()
    except ModelError:
        return False
    return True


def use_scorer(tmp_dir: Path, monkeypatch, *, real: bool = True) -> None:
    """Score with the real check when its model loads (and `real`); else a model-free stand-in."""
    SCORER.clear()
    if real and _model_loads():
        return
    (tmp_dir / "batch_stub_scorer.py").write_text(STUB)
    monkeypatch.setenv("PYTHONPATH", str(tmp_dir))
    SCORER.extend(["--scorer", "batch_stub_scorer:check"])


@pytest.fixture(autouse=True)
def scorer(tmp_path_factory, monkeypatch):
    stub_dir = tmp_path_factory.getbasetemp() / "stub"
    stub_dir.mkdir(exist_ok=True)
    use_scorer(stub_dir, monkeypatch)


SCORER: list[str] = []


def batch(*args: str) -> tuple[int, list[dict]]:
    out = None
    if "-o" in args:
        out = args[args.index("-o") + 1]
    code = main(["batch", "-q", *SCORER, *args])
    lines = [json.loads(x) for x in Path(out).read_text().splitlines()] if out else []
    return code, lines


def test_hang_crash_memory_and_raise_each_get_their_line(tmp_path, monkeypatch):
    # the stand-in starts in a fraction of the model's time, and every fault here costs a restart
    use_scorer(tmp_path, monkeypatch, real=False)
    monkeypatch.setenv(FAULTS_ENV, "1")
    pages = tmp_path / "pages"
    pages.mkdir()
    faults = {"hang": "timeout", "crash": "error", "memory": "error", "raise": "error"}
    for i in range(6):
        (pages / f"ok{i}.html").write_text(page(f"Fine {i}"))
    for fault in faults:
        (pages / f"{fault}.html").write_text(f"<!--quality-test-fault:{fault}-->" + page(fault))
    out = tmp_path / "out.jsonl"
    code, lines = batch(
        str(pages),
        "-o",
        str(out),
        "-j",
        "2",
        "--timeout",
        "3",
        "--memory-limit",
        "300",
        "--summary",
        str(tmp_path / "s.json"),
    )
    assert code == 0
    assert len(lines) == 10
    by_name = {Path(x["path"]).stem: x for x in lines}
    assert by_name["hang"]["status"] == "timeout" and by_name["hang"]["reasons"] == [
        "deadline_exceeded"
    ]
    assert (
        by_name["crash"]["reasons"] == ["worker_crashed"]
        and "signal 11" in by_name["crash"]["error"]
    )
    assert by_name["memory"]["reasons"] == ["memory_limit_exceeded"]
    assert (
        by_name["raise"]["reasons"] == ["scorer_failed"]
        and "planted failure" in by_name["raise"]["error"]
    )
    for name, status in faults.items():
        assert by_name[name]["status"] == status and by_name[name]["label"] is None
    for i in range(6):
        assert by_name[f"ok{i}"]["status"] in ("ok", "degraded") and by_name[f"ok{i}"]["label"]
    summary = json.loads((tmp_path / "s.json").read_text())
    assert (
        summary["records"] == 10
        and summary["status"]["timeout"] == 1
        and summary["status"]["error"] == 3
    )


def test_killed_run_resumes_to_each_record_exactly_once(tmp_path, monkeypatch):
    use_scorer(tmp_path, monkeypatch, real=False)  # what is tested is the bookkeeping, not labels
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(30):
        marker = "<!--quality-test-fault:hang-->" if i == 15 else ""
        (pages / f"p{i:02}.html").write_text(marker + page(f"Page {i}"))
    out = tmp_path / "out.jsonl"
    env = dict(os.environ, **{FAULTS_ENV: "1"})
    cmd = [
        sys.executable,
        "-m",
        "quality",
        "batch",
        str(pages),
        "-o",
        str(out),
        "-j",
        "1",
        "--timeout",
        "600",
        "-q",
        *SCORER,
    ]
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, start_new_session=True, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while (
            time.monotonic() < deadline
        ):  # the single worker hangs on page 15: 15 lines, then nothing
            if out.exists() and out.read_text().count("\n") >= 15:
                break
            time.sleep(0.1)
        time.sleep(0.3)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    first = out.read_text().splitlines()
    assert len(first) == 15
    with open(out, "a") as f:
        f.write('{"id": "torn by the kill", "sta')  # as if the kill had landed mid-write
    code, lines = batch(str(pages), "-o", str(out), "--resume", "-j", "2")
    assert code == 0
    ids = [x["id"] for x in lines]
    assert sorted(ids) == sorted(str(pages / f"p{i:02}.html") for i in range(30))
    assert len(set(ids)) == 30
    assert [json.loads(x)["id"] for x in first] == ids[:15]


def test_dev_page_warc_with_broken_records_accounts_for_every_fault(tmp_path):
    if not (data_root() / "pages" / "manifest.tsv").exists():
        pytest.skip(f"shared datasets not found under {data_root()} (set QUALITY_DATA)")
    spec = importlib.util.spec_from_file_location(
        "make_test_warc", ROOT / "scripts" / "make_test_warc.py"
    )
    mk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mk)
    manifest = mk.build(tmp_path, mk.dev_pages(40), gz=True)
    out, summary_path = tmp_path / "out.jsonl", tmp_path / "summary.json"
    code, lines = batch(manifest["path"], "-o", str(out), "-j", "2", "--summary", str(summary_path))
    assert code == 0
    assert len(lines) == len(manifest["records"])
    by_offset = {x["offset"]: x for x in lines}
    assert len(by_offset) == len(lines)
    for exp in manifest["records"]:
        line = by_offset[exp["offset"]]
        assert line["file"] == manifest["path"]
        if exp["expect"] == "error":
            assert line["status"] == "error" and line["reasons"] == [exp["reason"]]
            continue
        assert line["record_id"] == exp["id"]
        assert line["status"] in ("ok", "degraded", "skipped")
        if exp["expect"] == "repaired":
            assert exp["repair"] in line["flags"] and line["status"] == "degraded"
        if "flag" in exp:
            assert exp["flag"] in line["flags"]
    totals = json.loads(summary_path.read_text())["files"][manifest["path"]]
    fault_offsets = {f["offset"] for f in totals["faults"]}
    for planted in manifest["faults"]:
        if planted["fault"] in ("brotli_cut", "chunked_malformed"):
            continue  # payload faults: flagged on their lines, checked above
        assert planted["offset"] in fault_offsets, planted
    assert totals["errors"] == 2 and totals["repaired"] == 3 and totals["junk_bytes"] > 0


def test_inputs_jsonl_stdin_gz_and_walk_order(tmp_path, monkeypatch):
    d = tmp_path / "site"
    (d / "b").mkdir(parents=True)
    (d / "a").mkdir()
    (d / "b" / "2.html").write_text(page("Two"))
    (d / "a" / "1.htm.gz").write_bytes(gzip.compress(page("One").encode()))
    (d / "c.xhtml").write_text(page("Three"))
    (d / "notes.txt").write_text("not a page")
    dump = tmp_path / "dump.jsonl"
    dump.write_text(
        json.dumps({"body": page("Four"), "link": "http://x.example/4"})
        + "\n"
        + "{not json\n"
        + json.dumps({"other": 1})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    code, lines = batch(
        str(d),
        str(dump),
        "-o",
        str(out),
        "-j",
        "1",
        "--html-field",
        "body",
        "--url-field",
        "link",
        "--text",
    )
    assert code == 0
    assert [x["id"] for x in lines] == [
        str(d / "a" / "1.htm.gz"),
        str(d / "b" / "2.html"),
        str(d / "c.xhtml"),
        f"{dump}:1",
        f"{dump}:2",
        f"{dump}:3",
    ]
    assert [x["title"] for x in lines[:4]] == ["One", "Two", "Three", "Four"]
    assert lines[3]["url"] == "http://x.example/4" and "Four paragraph 3" in lines[3]["text"]
    assert [x["reasons"] for x in lines[4:]] == [
        ["jsonl_line_not_json"],
        ["jsonl_html_field_missing"],
    ]
    assert lines[4]["line"] == 2 and lines[4]["status"] == "error"

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(page("Five").encode())))
    code, lines = batch("-", "-o", str(tmp_path / "stdin.jsonl"), "-j", "1", "--blocks")
    assert code == 0 and len(lines) == 1
    assert lines[0]["id"] == "-" and lines[0]["title"] == "Five" and lines[0]["blocks"]


def test_resume_needs_an_output_file(capsys):
    assert main(["batch", "-q", "--resume", "x.html"]) == 2
    assert "--output" in capsys.readouterr().err
