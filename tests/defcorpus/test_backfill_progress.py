"""What ``defcorpus backfill`` shows while it runs: captures found, articles fetched, captures skipped.

The archive is the fake Wayback Machine on loopback (``tests.support.archives``) holding a history
small enough to count by hand, or the generated one when the display must move while it runs.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from defcorpus import cli_jobs
from tests.support.archive_history import HOST, SITE_TOML, Article, Capture, History, generate
from tests.support.archives import FakeArchive, archive_serving
from tests.support.backfilling import archive_env, invoke_backfill, stored_records, write_site_file

LINE = re.compile(
    r"Backfilling archived from wayback: (\d+) captures found, (\d+) fetched, (\d+) skipped, (\d+) already stored"
)


def shown(output: str) -> list[tuple[int, ...]]:
    """The counts of each progress line drawn, read as a person reads them: a line the terminal's
    width wrapped joined again, the elapsed time beside it left out."""
    text = " ".join(re.sub(r"\b\d+:\d\d:\d\d\b", " ", output).split())
    return [tuple(int(n) for n in match.groups()) for match in LINE.finditer(text)]


def counted_history() -> History:
    """Three articles in four captures, and a tag page: 5 captures found, 2 articles fetched (one
    after a bot check), 2 captures skipped (the bot check, a soft 404), the tag page never fetched."""
    good = Article(1, datetime(2019, 1, 10, tzinfo=UTC), "story-good")
    late = Article(2, datetime(2019, 1, 12, tzinfo=UTC), "story-late")
    lost = Article(3, datetime(2019, 1, 14, tzinfo=UTC), "story-lost")
    good.captures.append(Capture(good.path, "20190111080000", "good"))
    late.captures += [Capture(late.path, "20190113080000", "challenge"), Capture(late.path, "20190120080000", "good")]
    lost.captures.append(Capture(lost.path, "20190115080000", "soft_404"))
    return History([good, late, lost], [Capture("/tag/navy/", "20190201080000", "good")])


@pytest.fixture
def site_file(tmp_path: Path) -> Path:
    return write_site_file(tmp_path, "archived", SITE_TOML.format(name="archived", host=HOST))


@pytest.fixture
def counted() -> Iterator[FakeArchive]:
    with archive_serving(counted_history()) as fake:
        yield fake


def test_the_progress_line_counts_what_was_found_fetched_skipped_and_already_stored(
    counted: FakeArchive, site_file: Path, tmp_path: Path
) -> None:
    store, env = tmp_path / "store", archive_env(counted)
    first = invoke_backfill(site_file, store, env, "--since", "2019-01-01", "--until", "2019-03-01")
    assert first.exit_code == 0, first.output
    assert shown(first.stderr)[-1] == (5, 2, 2, 0), first.stderr  # in 80 columns: the line wraps, whole
    assert len(stored_records(store, "archived")) == 2

    # A wider window: the same captures found again, the two articles already stored, the soft 404
    # not asked again.
    counted.reset_log()
    wider = invoke_backfill(site_file, store, env, "--since", "2018-12-01", "--until", "2019-04-01")
    assert wider.exit_code == 0, wider.output
    assert shown(wider.stderr)[-1] == (5, 0, 0, 2), wider.stderr
    assert counted.requests("memento") == []


def test_the_progress_line_moves_while_the_backfill_runs(
    site_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal the line is redrawn as articles are fetched, not only at the end: 20 articles at
    10 mementos a second take seconds, and the display refreshes ten times a second."""
    screen = io.StringIO()
    monkeypatch.setattr(cli_jobs, "console", Console(file=screen, force_terminal=True, width=200))
    with archive_serving(generate(articles=20, captures=50, seed=3)) as archive:
        env = archive_env(archive, DEFCORPUS_WAYBACK_MEMENTO_PER_MINUTE="600")
        result = invoke_backfill(site_file, tmp_path / "store", env, "--since", "2019-01-01", "--until", "2022-01-01")
    assert result.exit_code == 0, result.output
    frames = shown(screen.getvalue())
    fetched = [frame[1] for frame in frames]
    assert fetched == sorted(fetched), "the counts only grow"
    assert fetched[-1] == len(stored_records(tmp_path / "store", "archived")) == 20
    assert len({n for n in fetched if 0 < n < 20}) >= 2, f"shown while running: {sorted(set(fetched))}"
    summary = re.search(r"(\d+) captures found, \d+ articles, (\d+) fetched, \d+ already stored, (\d+)", result.stdout)
    assert summary and frames[-1][:3] == tuple(int(n) for n in summary.groups()), "it ends where the summary does"
