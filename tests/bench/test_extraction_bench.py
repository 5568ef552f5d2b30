"""``python -m bench.extraction``: the WCXB rules, the runner's order and workers, the whole command
on a two-page set (real systems, tiny pages; no timing asserted)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench import extraction, runner, systems
from bench.sets import BenchSet, Output, Page, all_sets, author_found, fold, snippets, word_prf
from tests.support.bench_sets import wcxb_dir


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["a", "b"], ["a", "b"]),
        ("['a', \"b's\"]", ["a", "b's"]),  # a Python-literal list in a string
        ("__import__('os').system('x')", ["__import__('os').system('x')"]),  # read, never run
        ("just text", ["just text"]),
        ("", []),
        (None, []),
        (["a", "", 3], ["a"]),
    ],
)
def test_snippets_read_lists_and_literal_strings_safely(value: object, expected: list[str]) -> None:
    assert snippets(value) == expected


def test_word_f1_per_page() -> None:
    assert word_prf("The cat sat", "the CAT sat down") == (1.0, 0.75, pytest.approx(6 / 7))
    assert word_prf("", "some text") == (0.0, 0.0, 0.0)  # an empty output scores 0
    assert word_prf("", "") == (1.0, 1.0, 1.0) and word_prf("x", "") == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("extracted", "truth", "found"),
    [
        (["Danielle DeSiato"], "Danielle DeSiato, Donna Enzmann, and Natalie Nguyen", True),
        (["By  JANE Doe | Staff"], "Jane Doe", True),
        (["", "Someone Else"], "Jane Doe", False),
        ([], "Jane Doe", False),
    ],
)
def test_author_found_either_way_round(extracted: list[str], truth: str, found: bool) -> None:
    assert author_found(extracted, truth) is found


def test_the_page_day_keeps_the_pages_offset() -> None:
    """23:30 at -05:00 is the next day in UTC; the page shows (and the truth holds) the local day."""
    late = datetime(2025, 3, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    article = SimpleNamespace(body="b", headline="h", authors=["A"], date_published=late, date_modified=None)
    assert systems._article_output(article).published == "2025-03-01"


def test_the_command_scores_every_system_and_gates_on_its_floor(tmp_path: Path) -> None:
    shared, out, floors = wcxb_dir(tmp_path / "shared"), tmp_path / "out.json", tmp_path / "floor.json"
    common = ["--shared", str(shared), "--set", "wcxb-articles", "--floor-file", str(floors)]
    assert extraction.main([*common, "--reps", "2", "--jobs", "2", "--json", str(out)]) == 0
    result = json.loads(out.read_text())["sets"]["wcxb-articles"]["systems"]
    assert {"defcorpus", "trafilatura", "trafilatura-precision"} <= set(result) and "defcorpus-learn" not in result
    ours = result["defcorpus"]
    assert ours["scores"]["f1"] > 0.9 and ours["scores"]["leaks"] == 0 and ours["scores"]["author"] == 1.0
    assert ours["scores"]["date"] == 1.0 and len(ours["seconds"]) == 2 and set(ours["outputs"]) == {"0000", "0001"}
    assert extraction.main([*common, "--check"]) == 1  # nothing pinned yet
    assert extraction.main([*common, "--update-floor"]) == 0
    assert extraction.main([*common, "--check"]) == 0


def test_a_set_asked_for_by_name_must_be_there(tmp_path: Path) -> None:
    assert extraction.main(["--shared", str(tmp_path), "--set", "site-bench", "--check"]) == 1


def _echo(pages: Sequence[Page]) -> list[Output]:
    return [Output(body=p.id) for p in pages]


def _crash(pages: Sequence[Page]) -> list[Output]:
    raise RuntimeError("boom")


def make_fakes(names: Sequence[str]) -> dict[str, systems.System]:
    """Picklable by name, as a worker process needs."""
    found = {"echo": systems.System("echo", "echo", _echo), "crash": systems.System("crash", "crash", _crash)}
    return {name: found[name] for name in names}


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_runner_keeps_page_order_and_survives_a_crash(jobs: int) -> None:
    site_bench = all_sets()["site-bench"]
    bench_set = BenchSet(**{**site_bench.__dict__, "scorer": lambda s, pages, outputs: ({"f1": 1.0}, {})})
    pages = [Page(f"{group}_{n}", "https://x.example/", b"", {}, group) for group in "ABC" for n in range(2)]
    runs = runner.run_set(bench_set, pages, ["echo", "crash"], 2, "cpu", jobs, make=make_fakes)
    echo, crash = runs
    assert [o.body for o in echo.outputs.values()] == [p.id for p in pages] and len(echo.seconds) == 2
    assert crash.errors == len(pages) and all(not o.body for o in crash.outputs.values())
    assert [len(u) for u in runner.units_of(bench_set, pages)] == [2, 2, 2]  # a publisher's pages together


def test_fold() -> None:
    assert fold("  Top\n10   TRENDS ") == "top 10 trends"


def test_learned_pages_come_back_in_input_order(tmp_path: Path) -> None:
    """``extract_site_pages``: what ``extract --learn`` does, for pages whose URL the caller gives."""
    from corpus.pages import FetchedPage
    from defcorpus.extract_cmd import extract_site_pages

    directory = wcxb_dir(tmp_path) / "wcxb-articles" / "dev"
    truth = json.loads((directory / "ground-truth.json").read_text())
    html = {i: gzip.decompress((directory / f"{i}.html.gz").read_bytes()) for i in truth}
    pages = [FetchedPage(truth[i]["url"], html[i], systems.FETCHED_AT, "", i) for i in ("0001", "0000")]
    outcomes = list(extract_site_pages(pages))
    assert [o.source for o in outcomes] == ["0001", "0000"]
    assert [o.article.headline for o in outcomes if o.article] == ["Radar contract signed", "Patrol vessels funded"]
