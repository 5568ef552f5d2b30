"""The defcorpus command line, as a user runs it: the demo, export, and clear errors."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from defcorpus.cli import main
from tests.support import minisite_facts as facts
from tests.support.http import free_port


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def demo_port() -> str:
    """One port for every demo run here, as the default 8045 is for a user's repeated runs."""
    return str(free_port())


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory, demo_port: str) -> tuple[Path, Result]:
    store = tmp_path_factory.mktemp("demo") / "defcorpus-data"
    return store, run("demo", "--store", str(store), "--port", demo_port)


def test_help_lists_commands() -> None:
    result = run("--help")
    for command in ("sites", "crawl", "clean", "run", "export", "demo", "extract", "stats", "compact", "report"):
        assert f"  {command} " in result.output


def test_sites_lists_the_demo_site() -> None:
    assert "minisite" in run("sites").output


def test_demo_prints_summary_and_an_article(demo_store: tuple[Path, Result]) -> None:
    store, result = demo_store
    assert result.exit_code == 0, result.output
    out = result.output
    assert re.search(rf"articles published\s+│ {len(facts.article_paths())} new, 0 already in the store", out)
    assert re.search(r"paragraphs removed\s+│ \d+ \(\d+ author bios, \d+ other learned boilerplate", out)
    assert "One cleaned article" in out
    assert str(store.resolve()) in out.replace("\n", "")
    assert (store / "clean" / "_manifests").is_dir()
    latest = store / "reports" / "latest.html"
    assert f"Corpus report (open it in a browser): {latest.resolve().as_uri()}" in out.replace("\n", "")
    assert "<h1>Corpus report</h1>" in latest.read_text()


def test_report_command_writes_the_file_it_names(demo_store: tuple[Path, Result], tmp_path: Path) -> None:
    store, _ = demo_store
    output = tmp_path / "corpus.html"
    result = run("report", "--store", str(store), "--site", "minisite", "-o", str(output))
    assert result.exit_code == 0, result.output
    assert f"wrote {output}: sites 1, articles {len(facts.article_paths())}" in result.output
    assert "<h1>Corpus report</h1>" in output.read_text()


def test_report_of_a_site_the_store_lacks_is_one_line_and_no_file(
    demo_store: tuple[Path, Result], tmp_path: Path
) -> None:
    store, _ = demo_store
    output = tmp_path / "corpus.html"
    result = CliRunner().invoke(main, ["report", "--store", str(store), "--site", "nosuch", "-o", str(output)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        f"Error: no site 'nosuch' in {store.resolve().as_uri()} (sites there: minisite)"
    )
    assert not output.exists()


def test_demo_twice_publishes_nothing_new(demo_store: tuple[Path, Result], demo_port: str) -> None:
    store, _ = demo_store
    result = run("demo", "--store", str(store), "--port", demo_port)
    assert result.exit_code == 0, result.output
    assert re.search(rf"articles published\s+│ 0 new, {len(facts.article_paths())} already in the store", result.output)
    exported = run("export", "--store", str(store)).stdout.splitlines()
    assert len(exported) == len({json.loads(line)["id"] for line in exported}) == len(facts.article_paths())


def test_demo_paths_and_hint_are_never_cut_or_wrapped(demo_store: tuple[Path, Result]) -> None:
    """Not on a terminal (80 columns), a path or the hint cut with '…' or wrapped cannot be copied."""
    store, result = demo_store
    lines = result.output.splitlines()
    assert f"corpus (Parquet): {store.resolve().as_uri()}/clean/" in lines
    assert f"raw WARC: {store.resolve().as_uri()}/raw/site=minisite/" in lines
    assert f"Read the whole corpus: defcorpus export --store {store.resolve().as_uri()} --format jsonl" in lines


def test_demo_refuses_a_busy_port_and_leaves_the_store_as_it_was(
    demo_store: tuple[Path, Result], demo_port: str, tmp_path: Path
) -> None:
    """Another port would give the articles other URLs: a second copy of the site in the same store."""
    store, _ = demo_store
    before = sorted((p.relative_to(store), p.stat().st_mtime_ns) for p in store.rglob("*"))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result = CliRunner().invoke(main, ["demo", "--store", str(store), "--port", port])
        fresh = CliRunner().invoke(main, ["demo", "--store", str(tmp_path / "fresh"), "--port", port])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: port {port} on 127.0.0.1 is in use; free it, or pass --port N with a fresh --store "
        "(on another port the articles get other URLs, and so other ids)"
    ]
    assert sorted((p.relative_to(store), p.stat().st_mtime_ns) for p in store.rglob("*")) == before
    assert fresh.exit_code == 1 and not (tmp_path / "fresh").exists()


def test_clean_without_site_touches_only_the_sites_with_data(demo_store: tuple[Path, Result], tmp_path: Path) -> None:
    store, _ = demo_store
    result = run("clean", "--reclean", "--store", str(store))
    assert result.exit_code == 0
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["minisite"]
    assert sorted(p.name for p in (store / "state").iterdir()) == ["_dedup", "_manifests", "minisite"]
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = run("clean", "--store", str(empty))
    assert nothing.exit_code == 0 and "nothing to clean" in nothing.stdout
    assert list(empty.iterdir()) == []


def test_sites_has_a_header_and_aligned_columns() -> None:
    lines = run("sites").output.splitlines()
    assert lines[0].split() == ["site", "articles", "base_url", "routes"]
    starts = {line.index(line.split()[2]) for line in lines}  # the base_url column starts at one offset
    assert len(starts) == 1 and len(lines) > 2


def test_export_jsonl_filtered_by_site_and_dates(demo_store: tuple[Path, Result]) -> None:
    store, _ = demo_store
    result = run(
        "export", "--store", str(store), "--site", "minisite", "--since", "2022-12-01", "--until", "2023-01-01"
    )
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all(r["date_published"].startswith("2022-12") for r in rows)
    assert len(rows) == sum(p.startswith("/2022/12/") for p in facts.article_paths())
    assert all(r["site"] == "minisite" and r["body"] for r in rows)


def test_export_parquet(demo_store: tuple[Path, Result], tmp_path: Path) -> None:
    store, _ = demo_store
    out = tmp_path / "all.parquet"
    run("export", "--store", str(store), "--format", "parquet", "-o", str(out))
    assert pq.read_table(out).num_rows == len(facts.article_paths())
    refused = CliRunner().invoke(main, ["export", "--store", str(store), "--format", "parquet"])
    assert refused.exit_code == 2 and "Parquet needs a file" in refused.output


def test_dead_s3_endpoint_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEADENDPOINT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value")
    port = free_port()
    result = CliRunner().invoke(
        main,
        [
            "clean",
            "--site",
            "minisite",
            "--store",
            "s3://nowhere/corpus",
            "--s3-endpoint-url",
            f"http://127.0.0.1:{port}",
        ],
    )
    assert result.exit_code == 1
    assert f"127.0.0.1:{port}" in result.output and "unreachable" in result.output
    assert "Traceback" not in result.output and "very-secret-value" not in result.output


def test_bad_sites_file_names_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\ntitle = "X"\nbase_url = "https://x.example"\nsources = []\n[articles]\nallow = [\'^/a/\']\n'
    )
    result = CliRunner().invoke(main, ["run", "--site", "x", "--sites-file", str(bad), "--store", str(tmp_path)])
    assert result.exit_code == 1
    assert str(bad) in result.output and "sources" in result.output


def test_export_shows_progress_on_a_terminal_only(
    demo_store: tuple[Path, Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from rich.console import Console

    import defcorpus.cli_read

    store, _ = demo_store
    quiet = CliRunner().invoke(main, ["export", "--store", str(store)])
    assert "Exporting" not in quiet.stderr and quiet.stderr.strip() == f"exported {len(facts.article_paths())} articles"
    terminal = io.StringIO()
    monkeypatch.setattr(defcorpus.cli_read, "console", Console(file=terminal, force_terminal=True, width=100))
    shown = CliRunner().invoke(main, ["export", "--store", str(store)])
    assert shown.exit_code == 0 and shown.stdout == quiet.stdout  # the records are the same
    assert (
        "Exporting" in terminal.getvalue()
        and f"{len(facts.article_paths())}/{len(facts.article_paths())}" in terminal.getvalue()
    )


def removed_counts(output: str) -> tuple[int, int]:
    """Paragraphs removed and author bios among them, as the demo's table or a clean's line prints them."""
    found = re.search(r"paragraphs removed\s*│?\s*(\d+) \((\d+) author bios", output)
    assert found, output
    return int(found[1]), int(found[2])


def test_the_demo_and_clean_count_the_same_removals(demo_store: tuple[Path, Result], tmp_path: Path) -> None:
    """One count for one data: the demo's summary and a re-clean of its store print the same numbers."""
    store, result = demo_store
    copy = tmp_path / "copy"
    shutil.copytree(store, copy)
    recleaned = run("clean", "--reclean", "--site", "minisite", "--store", str(copy))
    assert recleaned.exit_code == 0, recleaned.output
    removed, bios = removed_counts(result.output)
    assert bios > 0 and removed_counts(recleaned.stdout) == (removed, bios)


def test_extract_and_export_give_a_page_the_same_dates(demo_store: tuple[Path, Result]) -> None:
    """The demo's WARC files through ``extract`` and its corpus through ``export``: one form of every date."""
    store, _ = demo_store
    warcs = sorted(str(p) for p in (store / "raw").rglob("*.warc.gz"))
    extracted = [json.loads(line) for line in run("extract", "--learn", *warcs).stdout.splitlines()]
    exported = {r["url"]: r for r in map(json.loads, run("export", "--store", str(store)).stdout.splitlines())}
    dates = ("date_published", "date_modified", "fetched_at")
    pairs = [(r, exported[r["url"]]) for r in extracted if r["url"] in exported]
    assert len(pairs) == len(facts.article_paths())
    for got, published in pairs:
        assert {k: got[k] for k in dates} == {k: published[k] for k in dates}, got["url"]
        assert got["date_published"].endswith("+00:00")


def cli_process(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command in its own process: its logging is configured as a user's is, not by pytest."""
    return subprocess.run([sys.executable, "-m", "defcorpus.cli", *args], capture_output=True, text=True, check=False)


def test_verbose_clean_shows_our_lines_and_the_libraries_only_at_vvv(
    demo_store: tuple[Path, Result], tmp_path: Path
) -> None:
    store, _ = demo_store
    copy = tmp_path / "copy"
    shutil.copytree(store, copy)
    reclean = ["clean", "--reclean", "--site", "minisite", "--store", str(copy)]
    quiet, verbose, debug = cli_process(*reclean), cli_process("-v", *reclean), cli_process("-vv", *reclean)
    libraries = cli_process("-vvv", *reclean)
    assert all(done.returncode == 0 for done in (quiet, verbose, debug, libraries)), verbose.stderr
    assert "removed " not in quiet.stderr
    removals = [line for line in verbose.stderr.splitlines() if line.startswith("INFO cleaning.pipeline: removed ")]
    _, bios = removed_counts(verbose.stdout)
    assert len([line for line in removals if "author_bio" in line]) == bios > 0
    assert all(" from http://127.0.0.1:" in line for line in removals), "each removal names its article's URL"
    assert "DEBUG" not in verbose.stderr and "DEBUG cleaning." in debug.stderr
    library_line = re.compile(r"^\w+ (trafilatura|htmldate|courlan|botocore)", re.MULTILINE)
    assert not library_line.search(debug.stderr)
    assert library_line.search(libraries.stderr), "-vvv shows the libraries' lines"
    assert "DEBUG cleaning." in libraries.stderr
    nothing_new = cli_process("-v", "clean", "--site", "minisite", "--store", str(copy))
    assert "INFO defcorpus.clean: minisite: no new WARC files to clean" in nothing_new.stderr
