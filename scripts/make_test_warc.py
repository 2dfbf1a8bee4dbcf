"""Build test WARCs from dev pages plus a known set of broken records, with a manifest of what to expect.

    python scripts/make_test_warc.py OUT_DIR [--pages N] [--gz] [--repeat K]

Writes OUT_DIR/test.warc (or .warc.gz) and OUT_DIR/test.manifest.json. The manifest lists every HTML
response record (offset, id, what a tolerant reader should do with it) and every fault planted, so a
test can check that each one is accounted for. Pages are read from the data root; never commit output.
"""

from __future__ import annotations

import argparse
import brotli
import csv
import gzip
import json
import sys
import uuid
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quality.data_path import data_root  # noqa: E402


def dev_pages(limit: int | None = None, split: str = "dev") -> list[tuple[str, bytes]]:
    """(pseudo URL, raw bytes) of the split's pages, in manifest order."""
    root = data_root() / "pages"
    out = []
    with open(root / "manifest.tsv", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["split"] != split:
                continue
            url = f"http://{row['set']}.example/{row['id']}.html"
            out.append((url, (root.parent / row["html"]).read_bytes()))
            if limit and len(out) >= limit:
                break
    return out


def _id(n: int) -> str:
    return f"<urn:uuid:{uuid.UUID(int=n + 1)}>"


def http_response(body: bytes, *, ctype: str = "text/html", headers: tuple[str, ...] = ()) -> bytes:
    """An HTTP/1.1 response with the given already-encoded body."""
    lines = ["HTTP/1.1 200 OK", f"Content-Type: {ctype}", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def warc_record(
    n: int, rec_type: str, url: str, payload: bytes, *, length: int | None = None
) -> bytes:
    """A WARC/1.0 record; `length` overrides the true Content-Length to plant a lie."""
    ctype = (
        "application/http; msgtype=response"
        if rec_type == "response"
        else "application/warc-fields"
    )
    if rec_type == "request":
        ctype = "application/http; msgtype=request"
    head = (
        "WARC/1.0\r\n"
        f"WARC-Type: {rec_type}\r\n"
        f"WARC-Record-ID: {_id(n)}\r\n"
        "WARC-Date: 2026-01-01T00:00:00Z\r\n"
        f"WARC-Target-URI: {url}\r\n"
        f"Content-Type: {ctype}\r\n"
        f"Content-Length: {len(payload) if length is None else length}\r\n\r\n"
    )
    return head.encode() + payload + b"\r\n\r\n"


def chunked(body: bytes, size: int = 4000) -> bytes:
    parts = [
        b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
        for i in range(0, len(body), size)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


def build(
    out_dir: Path, pages: list[tuple[str, bytes]], *, gz: bool = False, broken: bool = True
) -> dict:
    """Write the archive and its manifest; return the manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ("test.warc.gz" if gz else "test.warc")
    # (record bytes, expectation or None for non-HTML records, planted fault or None)
    plan: list[tuple[bytes, dict | None, str | None]] = []
    n = 0

    def add(rec: bytes, expect: dict | None, fault: str | None = None) -> None:
        plan.append((rec, expect, fault))

    add(warc_record(n, "warcinfo", "", b"software: make_test_warc\r\n"), None)
    for i, (url, html) in enumerate(pages):
        n += 1
        kind = i % 6
        if kind == 1:
            payload = http_response(
                gzip.compress(html, mtime=0), headers=("Content-Encoding: gzip",)
            )
        elif kind == 2:
            payload = http_response(brotli.compress(html), headers=("Content-Encoding: br",))
        elif kind == 3:
            payload = http_response(chunked(html), headers=("Transfer-Encoding: chunked",))
        elif kind == 4:
            payload = http_response(zlib.compress(html), headers=("Content-Encoding: deflate",))
        else:
            payload = http_response(
                html, ctype="text/html; charset=utf-8" if kind == 5 else "text/html"
            )
        add(
            warc_record(n, "response", url, payload), {"id": _id(n), "url": url, "expect": "scored"}
        )
        if i % 10 == 0:
            n += 1
            add(warc_record(n, "request", url, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"), None)
    if broken:
        page = pages[0][1]
        n += 1
        add(
            warc_record(
                n,
                "response",
                "http://broken.example/png",
                http_response(b"\x89PNG....", ctype="image/png"),
            ),
            None,
        )
        # junk between two records
        add(b"this is not a warc record \x00\x01 garbage\r\n" * 20, None, "junk")
        # Content-Length too long by 300 bytes: the next record must still be read
        n += 1
        payload = http_response(page)
        add(
            warc_record(
                n, "response", "http://broken.example/long", payload, length=len(payload) + 300
            ),
            {"id": _id(n), "expect": "repaired", "repair": "warc_content_length_wrong"},
            "content_length_long",
        )
        # Content-Length too short by half
        n += 1
        payload = http_response(page)
        add(
            warc_record(
                n, "response", "http://broken.example/short", payload, length=len(payload) // 2
            ),
            {"id": _id(n), "expect": "repaired", "repair": "warc_content_length_wrong"},
            "content_length_short",
        )
        # a brotli payload whose stream is cut: decoded as far as it goes
        n += 1
        payload = http_response(brotli.compress(page)[:-40], headers=("Content-Encoding: br",))
        add(
            warc_record(n, "response", "http://broken.example/br-cut", payload),
            {"id": _id(n), "expect": "scored", "flag": "http_decompress_failed"},
            "brotli_cut",
        )
        # a chunked body with a bad chunk size line
        n += 1
        body = chunked(page)
        body = body[:4010] + b"zz-not-hex\r\n" + body[4010:]
        payload = http_response(body, headers=("Transfer-Encoding: chunked",))
        add(
            warc_record(n, "response", "http://broken.example/chunked", payload),
            {"id": _id(n), "expect": "scored", "flag": "http_chunked_malformed"},
            "chunked_malformed",
        )
        # a header block that never ends: lost, reported as a fault
        add(
            b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 12\r\n" + b"X-Pad: y\r\n" * 8000,
            {"id": None, "expect": "error", "reason": "warc_header_unterminated"},
            "header_unterminated",
        )
        # an HTTP payload that is not HTTP
        n += 1
        add(
            warc_record(
                n, "response", "http://broken.example/nohttp", b"\x00\x01\x02 not http at all"
            ),
            {"id": _id(n), "expect": "error", "reason": "warc_record_unreadable"},
            "not_http",
        )
        # the last record, cut in the middle
        n += 1
        rec = warc_record(n, "response", "http://broken.example/truncated", http_response(page))
        add(
            rec[: len(rec) // 2],
            {"id": _id(n), "expect": "repaired", "repair": "warc_record_truncated"},
            "truncated_last",
        )
    records = []
    faults = []
    with open(path, "wb") as f:
        for rec, expect, fault in plan:
            offset = f.tell()
            if gz and fault != "junk":
                rec = gzip.compress(rec, mtime=0)
                if fault == "truncated_last":
                    rec = rec[: len(rec) - 40]  # the gzip trailer and the end of the data
            f.write(rec)
            if expect is not None:
                records.append({"offset": offset, **expect})
            if fault is not None:
                faults.append({"offset": offset, "fault": fault})
    manifest = {"path": str(path), "gz": gz, "records": records, "faults": faults}
    (out_dir / "test.manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--pages", type=int, default=None, help="dev pages to use (default: all)")
    ap.add_argument("--gz", action="store_true", help="one gzip member per record")
    ap.add_argument("--clean", action="store_true", help="no broken records")
    args = ap.parse_args(argv)
    pages = dev_pages(args.pages)
    if not pages:
        print(f"no dev pages under {data_root()}", file=sys.stderr)
        return 1
    m = build(args.out_dir, pages, gz=args.gz, broken=not args.clean)
    print(f"{m['path']}: {len(m['records'])} HTML records, {len(m['faults'])} planted faults")
    return 0


if __name__ == "__main__":
    sys.exit(main())
