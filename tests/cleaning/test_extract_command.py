"""``defcorpus extract``: files, directories, .gz and stdin in; one record per page out; errors per page."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from defcorpus.extract_cmd import Outcome, extract_html, extract_sources, iter_sources, write_outcomes
from tests.support import cleaning_sites as sites
from tests.support.pages import HEADLINE, PROSE, article_with_metadata, html_page, paragraphs
from tests.support.raw import foreign_warc

URL = "https://example.com/2025/03/navy-orders-frigates/"
FETCHED = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    """A directory with a plain page, a gzipped one, a nested one and a file that is not HTML."""
    (tmp_path / "a.html").write_text(article_with_metadata(), encoding="utf-8")
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(article_with_metadata().encode()))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.htm").write_text(article_with_metadata(), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a page", encoding="utf-8")
    return tmp_path


def test_one_page_gives_the_article_with_metadata() -> None:
    outcome = extract_html(article_with_metadata().encode(), URL, fetched_at=FETCHED, source="a.html")
    assert outcome.article is not None, outcome.error
    record = outcome.record()
    assert record["body"] == "\n\n".join(PROSE)
    assert record["headline"] == HEADLINE
    assert record["authors"] == ["Jane Doe"]
    assert record["date_published"] == "2025-03-04T08:30:00+00:00"  # in UTC, as export and the Parquet give it
    assert record["source"] == "a.html"
    assert record["site"] == "example.com"
    assert "warc_file" not in record and "paywalled" not in record  # a crawl's record says those


def test_directories_expand_to_their_html_files_in_order(pages: Path) -> None:
    found = list(iter_sources([str(pages)]))
    assert [Path(p).relative_to(pages).as_posix() for p in found] == ["a.html", "b.html.gz", "sub/c.htm"]


def test_gzip_is_read_whatever_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(gzip.compress(article_with_metadata().encode()))
    [outcome] = extract_sources([str(path)])
    assert outcome.article is not None, outcome.error


def test_a_page_that_cannot_be_read_does_not_stop_the_others(pages: Path) -> None:
    missing = str(pages / "missing.html")
    broken = pages / "broken.html.gz"
    broken.write_bytes(b"\x1f\x8b not really gzip")
    outcomes = list(extract_sources([str(pages / "a.html"), missing, str(broken), str(pages / "sub")]))
    assert [o.article is not None for o in outcomes] == [True, False, False, True]
    assert outcomes[1].error is not None and outcomes[1].error.startswith("cannot read")


def test_a_page_that_is_not_an_article_is_an_error_record() -> None:
    html = b"<html><head><title>Search</title></head><body><form><input name=q></form></body></html>"
    outcome = extract_html(html, URL, fetched_at=FETCHED, source="search.html")
    assert outcome.article is None
    assert outcome.record() == {"source": "search.html", "url": URL, "error": "not an article (empty_body)"}


def test_stdin_is_read_with_dash() -> None:
    [outcome] = extract_sources(["-"], url=URL, stdin=io.BytesIO(article_with_metadata().encode()))
    assert outcome.source == "-"
    assert outcome.article is not None and outcome.article.url == URL


def _outcomes() -> list[Outcome]:
    good = extract_html(article_with_metadata().encode(), URL, fetched_at=FETCHED, source="a.html")
    return [good, Outcome("missing.html", error="cannot read: no such file"), good]


def test_jsonl_is_one_record_per_line_with_its_source() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert write_outcomes(_outcomes(), "jsonl", out, err) == 1
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["source"] for line in lines] == ["a.html", "missing.html", "a.html"]
    assert "error" in lines[1] and lines[0]["body"] == "\n\n".join(PROSE)


def test_json_is_one_array() -> None:
    out = io.StringIO()
    write_outcomes(_outcomes(), "json", out, io.StringIO())
    assert [r["source"] for r in json.loads(out.getvalue())] == ["a.html", "missing.html", "a.html"]


def test_txt_prints_headline_and_body_and_errors_apart() -> None:
    out, err = io.StringIO(), io.StringIO()
    write_outcomes(_outcomes(), "txt", out, err)
    page = f"{HEADLINE}\n\n" + "\n\n".join(PROSE) + "\n"
    assert out.getvalue() == page + "\f\n" + page
    assert err.getvalue() == "missing.html: cannot read: no such file\n"


def _cli() -> click.Group:
    """The ``defcorpus`` command group; a missing ``extract`` command fails here, it is not skipped."""
    from defcorpus.cli import main

    assert "extract" in main.commands, "defcorpus has no extract command"
    return main


def test_cli_prints_jsonl_and_fails_only_for_the_bad_page(pages: Path) -> None:
    result = CliRunner().invoke(_cli(), ["extract", str(pages / "a.html"), str(pages / "missing.html")])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [("body" in line, "error" in line) for line in lines] == [(True, False), (False, True)]
    assert result.exit_code == 1


def test_cli_reads_stdin_as_txt() -> None:
    result = CliRunner().invoke(
        _cli(), ["extract", "-", "--url", URL, "--format", "txt"], input=article_with_metadata().encode()
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{HEADLINE}\n\n{PROSE[0]}")


def test_minisite_articles_come_out_as_the_golden_bodies_without_site_rules(minisite: Any) -> None:
    """The generic path alone (no body selector, no drop rules, no site learning) on the mini-site."""
    from tests.support import minisite_facts as facts

    for path in sorted(facts.article_paths()):
        url = minisite.base_url.rstrip("/") + path
        with urllib.request.urlopen(url, timeout=10) as response:
            html = response.read()
        outcome = extract_html(html, url, fetched_at=datetime.now(UTC), source=path)
        assert outcome.article is not None, outcome.error
        assert outcome.article.body == facts.expected_body(path), path


def _site_pages(tmp_path: Path, n: int = 4) -> list[str]:
    """``n`` articles of one site, each ending with the same newsletter prompt."""
    prompt = "Sign up for the morning briefing and get the day's defense news in your inbox before eight."
    paths = []
    for i in range(n):
        own = sites.prose(i)  # each page's own prose
        body = paragraphs(own) + f"<p>{prompt}</p>"
        path = tmp_path / f"story-{i}.html"
        path.write_text(html_page(body).replace(HEADLINE, f"{HEADLINE} {i}"))
        paths.append(str(path))
    return paths


def test_learn_cleans_a_sites_pages_together_with_site_learning(tmp_path: Path) -> None:
    paths = _site_pages(tmp_path)
    alone = list(extract_sources(paths))
    learned = list(extract_sources(paths, learn=True))
    assert [o.source for o in learned] == paths  # input order
    assert all(o.article is not None and "morning briefing" in o.article.body for o in alone)
    assert all(o.article is not None and "morning briefing" not in o.article.body for o in learned)
    assert all(o.article is not None and o.article.body.startswith(sites.prose(i)[0]) for i, o in enumerate(learned))


def test_learn_keeps_errors_in_place(tmp_path: Path) -> None:
    paths = _site_pages(tmp_path, 3)
    missing = str(tmp_path / "missing.html")
    outcomes = list(extract_sources([paths[0], missing, *paths[1:]], learn=True))
    assert [o.source for o in outcomes] == [paths[0], missing, *paths[1:]]
    assert outcomes[1].error is not None and outcomes[1].error.startswith("cannot read")


def test_a_binary_file_is_not_html_and_a_huge_page_is_refused() -> None:
    outcome = extract_html(b"%PDF-1.7 binary", URL, fetched_at=FETCHED, source="a.pdf")
    assert outcome.error == "not an article (not_html)"
    huge = html_page(paragraphs(PROSE * 40_000)).encode()
    outcome = extract_html(huge, URL, fetched_at=FETCHED, source="huge.html")
    assert outcome.error == "not an article (too_large)"


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_warc_files_give_one_record_per_html_response(tmp_path: Path, name: str) -> None:
    urls = [f"https://example.com/2025/03/story-{i}/" for i in range(2)]
    pages = {url: html_page(paragraphs(sites.prose(20 + i))).encode() for i, url in enumerate(urls)}
    warc = foreign_warc(tmp_path / name, pages)
    outcomes = list(extract_sources([str(tmp_path)]))  # found in a directory like HTML files
    assert [o.article.url for o in outcomes if o.article] == urls
    record = outcomes[0].record()
    assert record["source"] == f"{warc}#{record['warc_record_id']}"
    assert record["warc_file"] == str(warc) and record["url"] == urls[0]
    assert sites.prose(20)[0] in record["body"]


def test_warc_pages_are_learned_together(tmp_path: Path) -> None:
    prompt = "Sign up for the morning briefing and get the day's defense news in your inbox before eight."
    pages = {
        f"https://example.com/2025/03/story-{i}/": html_page(paragraphs([*sites.prose(30 + i), prompt])).encode()
        for i in range(4)
    }
    outcomes = list(extract_sources([str(foreign_warc(tmp_path / "c.warc.gz", pages))], learn=True))
    assert len(outcomes) == 4
    assert all(o.article is not None and "morning briefing" not in o.article.body for o in outcomes)


def test_a_damaged_warc_file_is_one_error_record(tmp_path: Path) -> None:
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(b"this is not a WARC file at all")
    (outcome,) = extract_sources([str(broken)])
    assert outcome.error is not None and outcome.error.startswith("cannot read")


def test_library_log_lines_stay_out_of_the_output_unless_asked(tmp_path: Path) -> None:
    """trafilatura logs ERROR lines for an empty file; a user sees our one error record, not its lines."""
    page = tmp_path / "empty.html"
    page.write_text("   ")  # trafilatura logs "lxml parsing failed: Document is empty" at ERROR
    result = subprocess.run(
        [sys.executable, "-m", "defcorpus.cli", "extract", str(page)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "trafilatura" not in result.stderr
    loud = subprocess.run(
        [sys.executable, "-m", "defcorpus.cli", "-vvv", "extract", str(page)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "trafilatura" in loud.stderr or "htmldate" in loud.stderr


def test_a_cut_warc_file_gives_its_whole_records_then_an_error(tmp_path: Path) -> None:
    urls = [f"https://example.com/2025/04/story-{i}/" for i in range(3)]
    warc = foreign_warc(
        tmp_path / "cut.warc.gz", {u: html_page(paragraphs(sites.prose(40 + i))).encode() for i, u in enumerate(urls)}
    )
    warc.write_bytes(warc.read_bytes()[: warc.stat().st_size * 2 // 3])
    outcomes = list(extract_sources([str(warc)]))
    assert [o.article.url for o in outcomes if o.article] == urls[: len(outcomes) - 1]
    assert outcomes[-1].error is not None and outcomes[-1].error.startswith("cannot read all of it")
