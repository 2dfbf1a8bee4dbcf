import json
import subprocess
import sys

import pytest

from quality.cli import main


def test_check_prints_verdict_and_block_table(example_page, tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_bytes(example_page)
    assert main(["check", str(page)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("page: ")
    assert "Harbour city launches electric ferry service across the bay" in out
    assert "\033[" not in out  # no colours when stdout is not a terminal
    rows = [line for line in out.splitlines() if line[:4].strip().isdigit()]
    assert len(rows) > 10
    assert all(row.split()[1] in {"article", "boilerplate", "low_quality"} for row in rows)


def test_check_json_has_the_documented_fields(example_page, tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_bytes(example_page)
    assert main(["check", "--json", str(page)]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("status", "label", "scores", "reasons", "flags", "encoding", "blocks"):
        assert key in report
    assert report["status"] == "ok"
    assert report["encoding"] == {"name": "utf-8", "source": "meta"}
    assert sum(report["scores"].values()) == pytest.approx(1.0, abs=1e-3)
    block = report["blocks"][0]
    for key in ("text", "label", "scores", "reasons", "path"):
        assert key in block


def test_extract_prints_article_paragraphs(example_page, tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_bytes(example_page)
    assert main(["extract", str(page)]) == 0
    out = capsys.readouterr().out
    assert "The city's first electric ferry left the northern pier" in out
    assert "Leave a Reply" not in out


def test_dash_reads_standard_input(example_page):
    done = subprocess.run(
        [sys.executable, "-m", "quality", "extract", "-"], input=example_page, capture_output=True
    )
    assert done.returncode == 0
    assert b"charging towers" in done.stdout


def test_missing_file_is_one_line_naming_it(tmp_path, capsys):
    missing = tmp_path / "nope.html"
    assert main(["check", str(missing)]) == 1
    err = capsys.readouterr().err.strip()
    assert str(missing) in err and "\n" not in err


def test_directory_says_to_use_batch(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 1
    assert "quality batch" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate", "x"])
    assert exc.value.code == 2


def test_skipped_page_still_exits_0(tmp_path, capsys):
    page = tmp_path / "empty.html"
    page.write_bytes(b"")
    assert main(["check", "--json", str(page)]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "skipped"
