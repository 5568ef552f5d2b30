"""Article identity: which URL an article's id is the hash of.

Why a module of its own: the id decides which rows are versions of one article, so a reader's
"latest version" of an article is only as right as this choice. A page's ``rel=canonical`` is the
publisher's claim, and a claim can be wrong: a page of another site naming one of our articles (a
scraped copy, a syndication partner, a hostile page) would replace that article, and a CMS that
prints its home or section page as every article's canonical would collapse a site into one
article. So a canonical is taken only when it names an article URL of the page's own site; the
fetched URL is the identity otherwise, and also for pages of one batch that share a canonical but
not their text (``separate_shared``).

Both URLs are normalised first (``normalize_url``): the same page reached through a feed link with
tracking parameters and through the sitemap is one article. A URL already in normal form is left as
it is, so the ids of articles cleaned before the normalisation existed do not change.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote_plus, urlsplit

from w3lib.url import canonicalize_url, url_query_cleaner

from corpus.schema import Article, article_id

logger = logging.getLogger(__name__)

# Query parameters that say how a reader arrived, never which page they read (case-insensitive).
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "_hs")
TRACKING_NAMES = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "_ga",
        "_gl",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "vero_conv",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}

# ``Identity.refused`` reasons, counted in the clean report's ``dropped_values``.
OFF_SITE = "canonical_off_site"
NOT_ARTICLE = "canonical_not_article"
INVALID = "canonical_invalid"
SHARED = "canonical_shared"


def is_tracking(name: str) -> bool:
    key = unquote_plus(name).lower()
    return key in TRACKING_NAMES or key.startswith(TRACKING_PREFIXES)


def normalize_url(url: str) -> str | None:
    """``url`` in normal form, or None when it is not an absolute http(s) URL.

    Tracking parameters dropped; then w3lib's ``canonicalize_url``: host in lower case, query
    parameters sorted, percent-encoding made uniform, dot segments resolved, fragment dropped; and the
    scheme's default port dropped. Paths keep their case and their trailing slash (servers tell
    ``/a`` from ``/a/`` and ``/A/``).
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
            return None
        keys = [item.partition("=")[0] for item in parts.query.split("&")]
        tracking = [key for key in keys if key and is_tracking(key)]
        if tracking:
            url = url_query_cleaner(url, tracking, remove=True, unique=False, keep_fragments=True)
        url = canonicalize_url(url)
        parts = urlsplit(url)
        if parts.port is not None and parts.port == _DEFAULT_PORTS[parts.scheme]:
            url = parts._replace(netloc=parts.netloc.rsplit(":", 1)[0]).geturl()
    except ValueError:  # a port out of range, a broken IPv6 literal
        return None
    return url


def own_url(url: str) -> str:
    """A fetched URL as an identity: normalised, or as fetched when it cannot be."""
    return normalize_url(url) or url


@dataclass(frozen=True)
class IdentityRules:
    """The site's own domains and article URL patterns: what a canonical must be to be believed.

    Empty rules (a page cleaned without its site's config) take any host, and any path but the root.
    """

    domains: tuple[str, ...] = ()  # "host" or "host:port", as in the site config's allowed_domains
    allow: tuple[re.Pattern[str], ...] = ()  # on the URL's path, as the site config's article rules
    deny: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def build(cls, domains: Iterable[str] = (), allow: Iterable[str] = (), deny: Iterable[str] = ()) -> IdentityRules:
        return cls(
            domains=tuple(d.lower() for d in domains),
            allow=tuple(re.compile(p) for p in allow),
            deny=tuple(re.compile(p) for p in deny),
        )

    def owns(self, url: str) -> bool:
        """The URL's host is one of the site's domains or a subdomain of one; "www." is no difference."""
        if not self.domains:
            return True
        parts = urlsplit(url)
        host = _bare(parts.hostname or "")
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
        for domain in self.domains:
            name, _, wanted = domain.partition(":")
            if wanted and int(wanted) != port:
                continue
            if host == _bare(name) or host.endswith("." + _bare(name)):
                return True
        return False

    def is_article(self, url: str) -> bool:
        """The site's article rule (a path matching an ``allow`` and no ``deny`` pattern); never the root."""
        path = urlsplit(url).path or "/"
        if path == "/" or any(p.search(path) for p in self.deny):
            return False
        return not self.allow or any(p.search(path) for p in self.allow)


@dataclass(frozen=True)
class Identity:
    url: str  # the URL the article's id is the hash of: its ``canonical_url``
    refused: str | None = None  # why the page's canonical was not taken (a ``dropped_values`` reason)

    @property
    def id(self) -> str:
        return article_id(self.url)


def identify(fetched_url: str, canonical_url: str | None, rules: IdentityRules) -> Identity:
    """The page's canonical when it is an article URL of the page's own site, else the fetched URL."""
    own = own_url(fetched_url)
    if not canonical_url:
        return Identity(own)
    canonical = normalize_url(canonical_url)
    if canonical is None:
        refused = INVALID
    elif not rules.owns(canonical):
        refused = OFF_SITE
    elif not rules.is_article(canonical):
        refused = NOT_ARTICLE
    else:
        return Identity(canonical)
    logger.info("canonical %s not taken (%s): %s keeps its own URL", canonical_url, refused, fetched_url)
    return Identity(own, refused)


class CanonicalClaims:
    """The ids a batch's pages claim, by page URL and text: which of them several different pages share.

    Why: a CMS fault can print one article-looking URL (the newest story, a section's landing page)
    as the canonical of many articles, which the per-page rule cannot tell from a true canonical;
    within one batch it shows, as pages at different URLs with different text claim one id. Several
    versions of one URL, or the same text at two URLs (an alias), are no such sign.
    """

    def __init__(self, articles: Iterable[Article] = ()) -> None:
        self._texts: defaultdict[str, defaultdict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for article in articles:
            self.add(article)

    def add(self, article: Article) -> None:
        self._texts[article.id][own_url(article.url)].add(article.content_hash)

    def shared(self) -> set[str]:
        """Ids claimed by two or more page URLs with no text in common to all of them."""
        return {
            claimed
            for claimed, by_url in self._texts.items()
            if len(by_url) > 1 and not set.intersection(*by_url.values())
        }

    def one_article(self, claimed: str, urls: set[str]) -> bool:
        """The pages at ``urls`` (own URLs) claiming ``claimed`` are one article: a text common to them all.

        Why: of the pages sharing an id, those a clean published it from keep it if they are one
        article (one page, or aliases); pages that collapsed into it before are not.
        """
        texts = [self._texts[claimed][url] for url in urls if url in self._texts.get(claimed, {})]
        return len(texts) == len(urls) > 0 and bool(set.intersection(*texts))


def separate(article: Article, shared: set[str]) -> Article:
    """``article`` under its own fetched URL when its id is a shared one (see ``CanonicalClaims``)."""
    if article.id not in shared:
        return article
    own = own_url(article.url)
    if own == article.canonical_url:
        return article
    logger.info("canonical %s is shared by pages with different text: %s keeps its own URL", article.canonical_url, own)
    return article.model_copy(update={"id": article_id(own), "canonical_url": own})


def separate_shared(articles: list[Article]) -> list[Article]:
    """The batch's articles, those sharing a canonical with different pages under their own URLs."""
    shared = CanonicalClaims(articles).shared()
    return [separate(a, shared) for a in articles] if shared else articles


def _bare(host: str) -> str:
    return host.lower().removeprefix("www.")
