"""The html5lib test corpus: every tree-construction input goes through; encoding holds a floor."""

from pathlib import Path

import pytest
from test_bad_input import check_with_model_or_stand_in, one_thread

from quality.decode import decode, encoding_name
from quality.records import PageReport, Status


@pytest.fixture
def check(monkeypatch):
    with one_thread():
        yield check_with_model_or_stand_in(monkeypatch)


# Measured with scripts/eval_encoding.py: 81 of the 82 plain cases in default mode (the Yahoo! Japan
# page is UTF-8 bytes under an EUC-JP <meta>; default mode reads them as UTF-8 on purpose), and all
# 82 when labels are followed as a browser does.
PLAIN_FLOOR = {False: 81, True: 82}


def _html5lib(data_root: Path, part: str) -> Path:
    folder = data_root / "html5lib-tests" / part
    if not folder.is_dir():
        pytest.skip(f"no html5lib {part} tests at {folder}")
    return folder


def _sections(path: Path, start: bytes, end: bytes) -> list[bytes]:
    """The bytes between each `start` line and the next `end` line of an html5lib .dat file."""
    out = []
    for chunk in path.read_bytes().split(start)[1:]:
        body, sep, _ = chunk.partition(end)
        if sep:
            out.append(body)
    return out


def test_every_tree_construction_input_gets_a_report(data_root, check):
    folder = _html5lib(data_root, "tree-construction")
    failures = []
    count = 0
    for path in sorted(folder.rglob("*.dat")):
        for i, data in enumerate(_sections(path, b"#data\n", b"\n#errors")):
            count += 1
            try:
                report = check(data)
            except Exception as exc:  # collect every failure, not just the first
                failures.append(f"{path.name}#{i}: {type(exc).__name__}: {exc}")
                continue
            if not isinstance(report, PageReport) or report.status not in Status:
                failures.append(f"{path.name}#{i}: {report!r}")
    assert count >= 1500, f"only {count} inputs read from {folder}"
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize("browser", [False, True])
def test_encoding_sniffing_holds_its_floor(data_root, browser):
    folder = _html5lib(data_root, "encoding")
    passed = total = 0
    for path in sorted(folder.rglob("*.dat")):
        if "scripted" in path.parts:  # these need JavaScript to run
            continue
        for body in path.read_bytes().split(b"#data\n")[1:]:
            data, sep, rest = body.partition(b"\n#encoding\n")
            if not sep:
                continue
            expected = encoding_name(rest.split(b"\n", 1)[0].decode().strip())
            total += 1
            passed += decode(data, browser=browser)[1].name == expected
    assert total == 82
    assert passed >= PLAIN_FLOOR[browser]


def test_the_big5_detection_sample(data_root):
    path = _html5lib(data_root, "encoding") / "chardet" / "test_big5.txt"
    if not path.exists():
        pytest.skip(f"{path} absent")
    text, enc = decode(path.read_bytes())
    assert (enc.name, enc.source) == ("big5", "detected")
    assert "\ufffd" not in text
