"""Test helpers: run ``defcorpus backfill`` against a fake archive, read back what it stored."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from click.testing import CliRunner, Result
from warcio.archiveiterator import ArchiveIterator

from defcorpus.cli import main
from defcorpus.minisite import build_site, load_content
from tests.support.archive_history import Capture, History
from tests.support.archives import FakeArchive

FAST = "6000000"  # requests a minute: no pause on loopback


def archive_env(archive: FakeArchive, **settings: str) -> dict[str, str]:
    """The CLI's environment: every endpoint at the fake archive, rates unlimited unless given."""
    env = {
        **os.environ,
        "DEFCORPUS_WAYBACK_URL": archive.base_url,
        "DEFCORPUS_CC_INDEX_URL": archive.base_url,
        "DEFCORPUS_CC_DATA_URL": archive.base_url,
        "DEFCORPUS_WAYBACK_CDX_PER_MINUTE": FAST,
        "DEFCORPUS_WAYBACK_MEMENTO_PER_MINUTE": FAST,
        "DEFCORPUS_CC_INDEX_PER_MINUTE": FAST,
        "DEFCORPUS_CC_DATA_PER_MINUTE": FAST,
        "DEFCORPUS_ARCHIVE_PAGE_ROWS": "1000",
        "DEFCORPUS_ARCHIVE_BACKOFF_BASE": "0.1",
    }
    env.update(settings)
    return env


def backfill_args(site_file: Path, store: Path, archive: str, since: str, until: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "defcorpus.cli",
        "backfill",
        "--site",
        site_file.stem,
        "--sites-file",
        str(site_file),
        "--archive",
        archive,
        "--since",
        since,
        "--until",
        until,
        "--store",
        str(store),
        *extra,
    ]


def run_backfill_cli(
    site_file: Path, store: Path, env: dict[str, str], archive: str, since: str, until: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    args = backfill_args(site_file, store, archive, since, until, *extra)
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=600, check=False)


def invoke_backfill(site_file: Path, store: Path, env: dict[str, str], *extra: str) -> Result:
    """``defcorpus backfill --archive wayback`` of ``site_file``'s site, in this process (CliRunner)."""
    args = ["backfill", "--site", site_file.stem, "--sites-file", str(site_file), "--archive", "wayback"]
    args += ["--store", str(store), *extra]
    keep = {k: v for k, v in env.items() if k.startswith("DEFCORPUS_")}
    return CliRunner().invoke(main, args, env=keep)


@dataclass(frozen=True)
class Stored:
    key: str
    url: str
    warc_date: datetime
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


def stored_records(store: Path, site: str) -> list[Stored]:
    """Every response record in the site's raw/ WARC files."""
    found = []
    for path in sorted((store / "raw" / f"site={site}").rglob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type != "response":
                    continue
                headers = dict(record.rec_headers.headers)
                found.append(
                    Stored(
                        path.relative_to(store).as_posix(),
                        headers["WARC-Target-URI"],
                        datetime.fromisoformat(headers["WARC-Date"]),
                        headers,
                    )
                )
    return found


def write_site_file(directory: Path, name: str, toml: str) -> Path:
    path = directory / f"{name}.toml"
    path.write_text(toml)
    return path


class MiniSiteHistory(History):
    """The bundled mini-site as an archive saw it: each public article captured a day after its last
    edit; one first captured behind a bot check, one with an older text than the live page, one
    dated a day before its page's publication date (as a misread date would be)."""

    def __init__(self, base_url: str) -> None:
        self.pages = build_site(base_url)
        host = urlsplit(base_url).netloc
        public = load_content().public
        self.changed = public[0].path
        self.premature = public[2].path
        captures = []
        for n, article in enumerate(public):
            edited = max(article.date_published, article.date_modified).astimezone(UTC)
            later = (edited + timedelta(days=1)).strftime("%Y%m%d%H%M%S")
            if article.path == self.premature:  # older than the page's own date: cleaning refuses that date
                later = (article.date_published - timedelta(days=1)).astimezone(UTC).strftime("%Y%m%d%H%M%S")
            kind = "changed" if article.path == self.changed else "good"
            captures.append(Capture(article.path, later, kind, scheme="http", host=host))
            if n == 1:  # first captured behind a bot check
                stamp = (edited + timedelta(hours=1)).strftime("%Y%m%d%H%M%S")
                captures.append(Capture(article.path, stamp, "challenge", scheme="http", host=host))
        super().__init__(articles=[], other=captures)

    def body(self, capture: Capture) -> bytes:
        if capture.kind == "challenge":
            return super().body(capture)
        html = self.pages[capture.path].body
        if capture.kind == "changed":  # the archive kept the first text; the site corrected it since
            html = html.replace(b"<p>", b"<p>Correction pending: figures in this report are provisional. ", 1)
        return html
