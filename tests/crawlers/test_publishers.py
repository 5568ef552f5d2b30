"""The 14 shipped publisher configs: they load, are unique, and their URL rules sort real-looking URLs.

The example URLs follow each publisher's public URL scheme; they check the patterns, not the live sites.
"""

from __future__ import annotations

from collections import Counter

import pytest

from crawlers.sites import SITES_DIR, load_sites

PUBLISHERS = {
    "19fortyfive",
    "defensenews",
    "c4isrnet",
    "militarytimes",
    "breakingdefense",
    "twz",
    "defenseone",
    "warontherocks",
    "nationalinterest",
    "thedefensepost",
    "navalnews",
    "ukdefencejournal",
    "airandspaceforces",
    "usninews",
}

# site -> (article URLs, non-article URLs)
EXAMPLES: dict[str, tuple[list[str], list[str]]] = {
    "19fortyfive": (["/2024/01/the-b-21-raider-is-coming/"], ["/category/smart-bombs/", "/author/jane-doe/"]),
    "defensenews": (
        ["/air/2024/01/15/the-f-35-gets-a-new-engine/", "/news/pentagon-congress/2023/12/01/budget-deal-reached/"],
        ["/air/", "/video/2024/01/15/a-video-story/", "/author/jane-doe/"],
    ),
    "c4isrnet": (["/battlefield-tech/2024/02/02/army-tests-new-radios/"], ["/battlefield-tech/"]),
    "militarytimes": (["/news/your-military/2024/03/04/new-pay-tables/"], ["/podcasts/2024/03/04/ep-1/"]),
    "breakingdefense": (["/2024/01/navy-shipbuilding-plan/"], ["/tag/navy/", "/2024/01/"]),
    "twz": (
        ["/air/b-21-raider-flies-again", "/news-features/ukraine-drone-war-update"],
        ["/air", "/category/air/", "/author/jane-doe", "/authors/jane-q-doe", "/authors/john-doe"],
    ),
    "defenseone": (
        ["/threats/2024/01/china-missile-test/393398/", "/threats/2024/01/AI-missile-test/393399/"],
        ["/threats/", "/rss/all/", "/ideas"],
    ),
    "warontherocks": (
        ["/2024/01/the-logic-of-deterrence/", "/the-logic-of-deterrence/"],
        ["/podcasts/", "/about/", "/category/commentary/", "/author/jane-doe/", "/feed/"],
    ),
    "nationalinterest": (
        [
            "/blog/buzz/the-navy-needs-more-ships-208765",
            "/feature/a-new-cold-war-209876",
            "/blog/buzz/the-navy%E2%80%99s-new-ships-208766",
            "/blog/buzz/the-navy-needs-more-ships",
        ],
        ["/blog/buzz", "/topic/security", "/node/208765", "/blog/buzz/ships"],
    ),
    "thedefensepost": (["/2024/01/15/nigeria-army-operation/"], ["/2024/01/15/", "/category/africa/"]),
    "navalnews": (["/naval-news/2024/01/french-navy-frigate-trials/"], ["/naval-news/", "/event/euronaval/"]),
    "ukdefencejournal": (["/royal-navy-frigate-returns-home/"], ["/category/navy/", "/about/"]),
    "airandspaceforces": (
        ["/air-force-picks-new-tanker/", "/article/the-new-tanker/", "/article/0124tanker/"],
        ["/tag/tankers/", "/page/2/", "/article/"],
    ),
    "usninews": (["/2024/01/15/carrier-strike-group-deploys"], ["/category/fleet-tracker/"]),
}


def test_all_fourteen_publishers_load_with_unique_names_and_domains() -> None:
    sites = load_sites()
    assert set(sites) >= PUBLISHERS
    domains = Counter(d for site in sites.values() for d in site.allowed_domains)
    assert [d for d, n in domains.items() if n > 1] == []


def test_configs_live_under_country_folders() -> None:
    by_name = {path.stem: path.parent.name for path in SITES_DIR.rglob("*.toml")}
    sites = load_sites()
    for name in PUBLISHERS:
        assert by_name[name] == sites[name].country, name


@pytest.mark.parametrize("name", sorted(PUBLISHERS))
def test_publisher_config_is_complete(name: str) -> None:
    site = load_sites()[name]
    assert site.platform is not None
    assert site.base_url.startswith("https://")
    assert {s.type for s in site.sources} & {"sitemap", "news_sitemap"}, "every publisher has a sitemap route"
    assert site.verification.checked and site.verification.confirmed and site.verification.assumed


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_article_rules_sort_example_urls(name: str) -> None:
    site = load_sites()[name]
    articles, others = EXAMPLES[name]
    for path in articles:
        assert site.is_article_url(site.absolute(path)), path
    for path in others:
        assert not site.is_article_url(site.absolute(path)), path
