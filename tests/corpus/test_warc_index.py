"""The WARC index: any page's original bytes by (offset, length), through either backend."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pyarrow.parquet as pq
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from corpus import layout
from corpus.store import Store
from corpus.warc import iter_responses, read_record
from corpus.warc_index import write_index

PAGES = {
    f"https://example.test/2023/01/story-{n}/": f"<html><body><p>Story {n} text.</p></body></html>" * (n + 1)
    for n in range(5)
}


def write_warc(path: Path) -> None:
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for url, html in PAGES.items():
            body = html.encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    url, "response", payload=BytesIO(body), length=len(body), http_headers=headers
                )
            )


def test_index_gives_random_access_to_every_page(any_store: Store, tmp_path: Path) -> None:
    local = tmp_path / "crawl-00000.warc.gz"
    write_warc(local)
    key = "raw/site=minisite/2023/01/crawl-00000.warc.gz"
    any_store.upload_file(key, local)
    assert (
        write_index(any_store, key, local)
        == layout.warc_index_key(key)
        == "raw/site=minisite/2023/01/crawl-00000.cdx.parquet"
    )
    index = pq.read_table(BytesIO(any_store.read(layout.warc_index_key(key)))).to_pylist()
    assert [row["url"] for row in index] == list(PAGES)
    assert all(row["status"] == 200 and row["length"] > 0 for row in index)
    sequential = {page.url: page for page in iter_responses(any_store, key)}
    assert {url: page.html for url, page in sequential.items()} == {u: h.encode() for u, h in PAGES.items()}
    for row in reversed(index):  # any order: each read touches only its own bytes
        page = read_record(any_store, key, row["offset"], row["length"])
        assert page.html == PAGES[row["url"]].encode()
        assert page.warc_record_id == row["record_id"] == sequential[row["url"]].warc_record_id
