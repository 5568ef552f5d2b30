"""A user's first hour: every mistake and mishap is answered in one ``Error: …`` line with an exit code
that says what happened, and leaves the store as it was (nothing created, nothing lost)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from corpus import layout
from corpus.lease import crawl_lease
from corpus.store import LocalStore
from corpus.table import publish
from crawlers.sites import load_site_file, site_files
from defcorpus import crawl_job, progress
from defcorpus.cli import EX_TEMPFAIL, EXIT_INTERRUPTED, main
from tests.support.articles import make_article
from tests.support.crawling import LOOPBACK
from tests.support.http import free_port, serving
from tests.support.story_site import build, site_file


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def error_lines(result: Result) -> list[str]:
    """What the user reads on stderr; a traceback would be more than one line."""
    assert "Traceback" not in result.output
    return result.stderr.strip().splitlines()


@pytest.fixture
def fast_crawls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's crawls without politeness delays and with one retry (its child is still a real crawl)."""

    def crawl_site(store_url: str, site: Any, **job: Any) -> dict[str, Any]:
        return crawl_job.crawl_site(store_url, site, settings={**LOOPBACK, "RETRY_TIMES": 1}, **job)

    monkeypatch.setattr(progress, "crawl_site", crawl_site)


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """A store with two minisite articles published."""
    root = tmp_path / "store"
    publish(LocalStore(root), "minisite", [make_article("a"), make_article("b")], layout.new_run_id(), inputs=[])
    return root


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials anywhere boto3 looks (and no instance metadata service to ask)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "DEFCORPUS_S3_ENDPOINT_URL", "DEFCORPUS_STORE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


# --------------------------------------------------------------------------- 1. a crawl that reaches nothing


@pytest.mark.slow
@pytest.mark.usefixtures("fast_crawls")
@pytest.mark.parametrize(
    ("base_url", "error"),
    [
        (f"http://127.0.0.1:{free_port()}/", "DownloadConnectionRefusedError"),  # a closed loopback port
        ("http://defcorpus-test.invalid/", "CannotResolveHostError"),  # reserved TLD: never resolves
    ],
    ids=["refused", "no-dns"],
)
def test_a_crawl_that_reaches_nothing_fails_naming_the_error(tmp_path: Path, base_url: str, error: str) -> None:
    store = tmp_path / "store"
    result = cli("crawl", "--sites-file", str(site_file(tmp_path, base_url)), "--site", "pub", "--store", str(store))
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert line.startswith("Error: crawl of pub reached nothing: "), line
    requests = int(line.split("reached nothing: ")[1].split(" of ")[0])
    assert requests > 0 and line.endswith(f"{requests} of {requests} requests failed ({error} {requests})"), line
    assert not list(store.rglob("*.warc.gz")), "nothing was fetched, so nothing is stored"
    assert not list(store.rglob("*.lease")), "the crawl released its lease"
    (stats,) = store.rglob("*.stats.json")  # the crawl's own account of itself is kept
    assert f'"{error}": {requests}' in stats.read_text()


@pytest.mark.slow
@pytest.mark.usefixtures("fast_crawls")
def test_a_crawl_where_most_requests_failed_succeeds_with_a_warning(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/"
    with serving(lambda base: build(base, article_base=closed)) as (server, _):
        result = cli("crawl", "--sites-file", str(site_file(tmp_path, server.base_url)), "--site", "pub")
    assert result.exit_code == 0, result.output
    (warning,) = [line for line in error_lines(result) if line.startswith("Warning:")]
    counts = re.fullmatch(
        r"Warning: crawl of pub: (\d+) of (\d+) requests failed \(DownloadConnectionRefusedError \1\)", warning
    )
    assert counts and int(counts[2]) > int(counts[1]) > int(counts[2]) / 2, warning
    assert "failed" in result.stdout  # the summary line counts them too


# --------------------------------------------------------------------------- 2. typos answered with an empty success


@pytest.mark.parametrize(
    "command", [["stats"], ["export"], ["export", "--site", "minisite"], ["sites"], ["compact", "--site", "minisite"]]
)
def test_read_only_commands_refuse_a_store_that_does_not_exist_and_create_none(
    tmp_path: Path, command: list[str]
) -> None:
    typo = tmp_path / "typo"
    result = cli(*command, "--store", str(typo))
    assert result.exit_code == 1
    assert error_lines(result) == [
        f"Error: no store at {typo.as_uri()}: nothing has been crawled or published there "
        "(check --store or DEFCORPUS_STORE)"
    ]
    assert not typo.exists()


def test_sites_without_a_store_lists_the_sites_and_creates_no_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DEFCORPUS_STORE", raising=False)
    result = cli("sites")
    assert result.exit_code == 0 and "minisite" in result.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["export", "stats", "compact"])
def test_an_unknown_site_says_which_sites_the_store_has(published: Path, tmp_path: Path, command: str) -> None:
    out = tmp_path / "out.jsonl"
    extra = ["-o", str(out)] if command == "export" else []
    before = sorted(published.rglob("*"))
    result = cli(command, "--store", str(published), "--site", "minsite", *extra)
    assert result.exit_code == 1
    assert error_lines(result) == [
        f"Error: site 'minsite' has nothing published in {published.as_uri()} (sites there: minisite)"
    ]
    assert not out.exists(), "no output file for a mistyped site"
    assert sorted(published.rglob("*")) == before, "nothing written (not even a lease) for a mistyped site"
    assert cli(command, "--store", str(published), "--site", "minisite", *extra).exit_code == 0


@pytest.mark.parametrize("command", ["export", "crawl", "run"])
@pytest.mark.parametrize(
    ("window", "message"),
    [
        (["--since", "2023-01-01", "--until", "2022-12-01"], "--since 2023-01-01 is not before --until 2022-12-01: "),
        (["--since", "2022-12-01", "--until", "2022-12-01"], "--since 2022-12-01 is not before --until 2022-12-01: "),
        (["--since", "12/01/2022"], "Invalid value for '--since': not a date: '12/01/2022' (use YYYY-MM-DD"),
        (["--until", "2022-12"], "Invalid value for '--until': not a date: '2022-12' (use YYYY-MM-DD"),
    ],
    ids=["inverted", "empty", "us-date", "month"],
)
def test_a_window_that_holds_no_date_or_is_no_date_is_a_usage_error(
    published: Path, command: str, window: list[str], message: str
) -> None:
    site = ["--site", "minisite"] if command != "export" else []
    before = sorted(published.rglob("*"))
    result = cli(command, *site, "--store", str(published), *window)
    assert result.exit_code == 2
    assert error_lines(result)[-1].startswith(f"Error: {message}"), result.stderr
    assert sorted(published.rglob("*")) == before, "refused before anything was crawled or written"


def test_an_export_to_a_missing_directory_is_one_line(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "dir" / "x.jsonl"
    result = cli("export", "--store", str(published), "-o", str(out))
    assert result.exit_code == 1
    assert error_lines(result) == [f"Error: {out}: No such file or directory"]


# --------------------------------------------------------------------------- 4. one line for every known error


@pytest.mark.usefixtures("no_aws")
@pytest.mark.parametrize("command", ["crawl", "run"])
def test_no_s3_credentials_is_one_line_and_the_site_gets_no_request(tmp_path: Path, command: str) -> None:
    with serving(build) as (server, _):
        endpoint = f"http://127.0.0.1:{free_port()}"
        result = cli(
            command,
            *("--sites-file", str(site_file(tmp_path, server.base_url)), "--site", "pub"),
            *("--store", "s3://corpus/defcorpus", "--s3-endpoint-url", endpoint),
        )
        assert server.log == []
    assert result.exit_code == 1
    assert error_lines(result) == [
        f"Error: no AWS credentials found for bucket corpus at endpoint {endpoint}: "
        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
    ]


@pytest.mark.slow
@pytest.mark.usefixtures("no_aws")
def test_an_unreachable_s3_endpoint_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUNREACHABLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-never-shown")
    with serving(build) as (server, _):
        endpoint = f"http://127.0.0.1:{free_port()}"
        result = cli(
            "crawl",
            *("--sites-file", str(site_file(tmp_path, server.base_url)), "--site", "pub"),
            *("--store", "s3://corpus/defcorpus", "--s3-endpoint-url", endpoint),
        )
        assert server.log == []
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert line.startswith(f"Error: S3 endpoint {endpoint} is unreachable") and "secret-never-shown" not in line


@pytest.mark.usefixtures("no_aws")
@pytest.mark.parametrize("command", [["crawl", "--site", "minisite"], ["run", "--site", "minisite"], ["stats"]])
def test_an_endpoint_without_a_scheme_is_one_line(command: list[str]) -> None:
    result = cli(*command, "--store", "s3://corpus/defcorpus", "--s3-endpoint-url", "127.0.0.1:9000")
    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: S3 endpoint '127.0.0.1:9000' must be an http:// or https:// URL; did you mean http://127.0.0.1:9000?"
    ]


def test_a_second_concurrent_crawl_shows_only_the_lease_message(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    with serving(build) as (server, _), crawl_lease(store, "pub") as running:
        sites = site_file(tmp_path, server.base_url)
        result = cli("crawl", "--sites-file", str(sites), "--site", "pub", "--store", str(store.root))
        assert server.log == [], "the second crawl sent no request"
    assert result.exit_code == EX_TEMPFAIL
    (line,) = error_lines(result)
    assert line.startswith(f"Error: site 'pub' is being crawled by {running.holder} since "), line
    assert line.endswith("; run again when it finishes (a dead worker's lease expires by itself)"), line


def test_an_invalid_css_selector_fails_at_load_naming_the_file_and_key(tmp_path: Path) -> None:
    with serving(build) as (server, _):
        bad = site_file(tmp_path, server.base_url, cleaning='[cleaning]\ndrop_selectors = ["figure", "div..ad"]\n')
        result = cli("run", "--sites-file", str(bad), "--site", "pub", "--store", str(tmp_path / "store"))
        assert server.log == [], "refused before crawling"
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert line.startswith(f"Error: {bad}: cleaning.drop_selectors.1: ") and "invalid CSS selector 'div..ad'" in line
    assert not (tmp_path / "store").exists()


def test_the_shipped_sites_selectors_compile() -> None:
    """Every shipped config loads (the loader compiles its selectors), wherever the tests run from."""
    paths = site_files()
    assert len(paths) >= 2  # the publishers and the bundled demo site
    assert [load_site_file(path).name for path in paths] == [path.stem for path in paths]


def test_verbose_adds_the_traceback_to_the_same_line_and_code() -> None:
    result = CliRunner().invoke(main, ["-v", "stats", "--store", "s3://corpus/x", "--s3-endpoint-url", "h:9"])
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "StoreConfigError" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: S3 endpoint 'h:9' must be")


def test_ctrl_c_outside_a_crawl_is_one_line_and_exit_130(published: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("corpus.table.partition_counts", interrupted)
    result = cli("stats", "--store", str(published))
    assert result.exit_code == EXIT_INTERRUPTED
    assert error_lines(result) == ["Error: interrupted; rerun to continue"]


def test_sites_add_is_not_held_up_by_an_empty_store_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFCORPUS_STORE", str(tmp_path / "empty"))
    result = CliRunner().invoke(main, ["sites", "add", "x", "http://127.0.0.1:1/", "--sites-file", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: cannot fetch the home page http://127.0.0.1:1/: ConnectionRefusedError: [Errno 111] Connection refused"
    ]
