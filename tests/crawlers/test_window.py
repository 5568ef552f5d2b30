"""Window: publication dates decide; ``<lastmod>`` only rules out windows that start after it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawlers.window import Window, url_month

NOVEMBER = Window.from_strings("2022-11-01", "2022-12-01")
DECEMBER = Window.from_strings("2022-12-01", "2023-01-01")
MID_NOVEMBER = Window.from_strings("2022-11-16", "2022-12-16")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_an_article_edited_the_next_month_belongs_to_its_publication_month() -> None:
    url, lastmod = "https://example.com/2022/11/fleet/", at("2022-12-02T15:15:00")
    assert NOVEMBER.judge(url, lastmod=lastmod) == "inside"
    assert DECEMBER.judge(url, lastmod=lastmod) == "outside"


@pytest.mark.parametrize(
    ("window", "published", "verdict"),
    [(NOVEMBER, "2022-11-28T12:50:21", "inside"), (DECEMBER, "2022-11-28T12:50:21", "outside")],
)
def test_a_publication_date_decides_alone(window: Window, published: str, verdict: str) -> None:
    # Its URL month and a later lastmod change nothing.
    got = window.judge("https://example.com/2022/12/x/", published=at(published), lastmod=at("2022-12-02"))
    assert got == verdict


@pytest.mark.parametrize(
    ("window", "lastmod", "verdict"),
    [
        (NOVEMBER, "2022-10-31T23:00:00", "outside"),  # modified before the window: published before it
        (NOVEMBER, "2022-11-20T00:00:00", "unknown"),  # published by the 20th, but maybe in October
        (NOVEMBER, "2022-12-02T00:00:00", "unknown"),
        (DECEMBER, "2022-12-02T00:00:00", "unknown"),
        (Window.from_strings(None, "2022-12-01"), "2022-11-20T00:00:00", "inside"),
        (Window.from_strings(None, "2022-12-01"), None, "unknown"),
        (Window(), None, "inside"),
    ],
)
def test_lastmod_is_only_an_upper_bound_of_publication(window: Window, lastmod: str | None, verdict: str) -> None:
    when = at(lastmod) if lastmod else None
    assert window.judge("https://example.com/news/fleet/", lastmod=when) == verdict


@pytest.mark.parametrize(
    ("path", "lastmod", "verdict"),
    [
        ("/2022/10/x/", None, "outside"),
        ("/2023/01/x/", None, "outside"),
        ("/2022/11/x/", None, "unknown"),  # the first half of November is before the window
        ("/2022/11/x/", "2022-11-10T00:00:00", "outside"),
        ("/2022/12/x/", None, "unknown"),  # the second half of December is after it
        ("/2022/12/x/", "2022-12-10T00:00:00", "inside"),  # published in [1 Dec, 10 Dec]
    ],
)
def test_a_url_month_straddling_a_bound_needs_lastmod_or_the_page(path: str, lastmod: str | None, verdict: str) -> None:
    when = at(lastmod) if lastmod else None
    assert MID_NOVEMBER.judge("https://example.com" + path, lastmod=when) == verdict


def test_url_month_is_the_first_day_to_the_next_month() -> None:
    assert url_month("https://example.com/air/2022/12/31/x/") == (at("2022-12-01"), at("2023-01-01"))
    assert url_month("https://example.com/news/x/") is None


def test_contains_keeps_undated_articles() -> None:
    assert NOVEMBER.contains(None)
    assert not NOVEMBER.contains(at("2022-12-01"))
    assert NOVEMBER.contains(at("2022-11-01"))


def test_bad_bound_is_refused() -> None:
    with pytest.raises(ValueError, match="not a date"):
        Window.from_strings("last tuesday", None)
