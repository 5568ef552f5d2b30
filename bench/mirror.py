"""A large loopback mirror of the mini-site for the performance benchmarks: N generated ZoxPress articles.

Why generated: the bundled mini-site has 15 posts, too few to measure a crawl or to see memory grow.
The mirror reuses the mini-site's theme, chrome, authors and sections through its public modules
(``defcorpus.minisite.content``, ``theme``, ``pages``, ``discovery``, ``server``), so every page looks
like a real ZoxPress page, and writes each article's body with a seeded word
chain trained on the mini-site's own posts: bodies are distinct (learned boilerplate would rightly
strip shared paragraphs), while the theme's chrome, teasers and pasted author bios recur as on the
real site. Discovery is the real site's: robots.txt → Yoast sitemap index → one sitemap per month,
plus the RSS feed. Listing pages are not served (the crawl does not use them; they answer 404).

    python -m bench.mirror [--articles N] [--seed S] [--port P]   # prints the base URL, then serves

``/__mirror__/requests`` answers the request counts so far as JSON (it is not counted itself).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import sys
import threading
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from defcorpus.minisite.content import Article, Block, Content, load_content, plain_text
from defcorpus.minisite.discovery import feed, robots_txt, sitemaps
from defcorpus.minisite.pages import article_page, static_page
from defcorpus.minisite.server import MiniSite, MiniSiteHandler, MiniSiteServer, serving_in_thread
from defcorpus.minisite.theme import RenderContext

if TYPE_CHECKING:
    from collections.abc import Iterator

    from defcorpus.minisite.content import Page

CONTROL_PATH = "/__mirror__/requests"
FIRST_POST = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
POST_SPACING = timedelta(hours=4)  # 10,000 posts span about 4.5 years: ~55 monthly sitemaps
_WORD = re.compile(r"\S+")
_TEASER_WINDOW = 6  # an article links to the five posts before it (teasers): render it with those only


class WordChain:
    """A second-order word chain over the mini-site's article text: plausible, seeded, distinct prose."""

    def __init__(self, texts: list[str]) -> None:
        self.next: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.starts: list[tuple[str, str]] = []
        for text in texts:
            words = _WORD.findall(text)
            for i in range(len(words) - 2):
                key = (words[i], words[i + 1])
                self.next[key].append(words[i + 2])
                if i == 0 or words[i - 1].endswith((".", "?", "!")):
                    self.starts.append(key)

    def sentence(self, rng: random.Random, max_words: int = 40) -> str:
        words = list(rng.choice(self.starts))
        for _ in range(max_words):  # bounded: a sentence ends at a full stop or at max_words
            followers = self.next.get((words[-2], words[-1]))
            if not followers or words[-1].endswith((".", "?", "!")):
                break
            words.append(rng.choice(followers))
        text = " ".join(words).rstrip(",;:")
        return text if text.endswith((".", "?", "!")) else text + "."

    def paragraph(self, rng: random.Random) -> str:
        return " ".join(self.sentence(rng) for _ in range(rng.randint(2, 5)))

    def title(self, rng: random.Random) -> str:
        words = self.sentence(rng, max_words=10).rstrip(".?!").split()[:10]
        return " ".join(w.capitalize() if len(w) > 3 else w for w in words)


def generate(articles: int, seed: int = 8) -> Content:
    """The mini-site's content with ``articles`` generated posts (newest first), the same for a seed."""
    if articles < _TEASER_WINDOW:
        raise ValueError(f"a mirror needs at least {_TEASER_WINDOW} articles (each page links to five others)")
    base = load_content()
    texts = [b.plain for a in base.articles for b in a.body if b.kind in ("p", "quote")]
    chain, rng = WordChain(texts), random.Random(seed)
    tags = sorted({t for a in base.articles for t in a.tags})
    posts = []
    for i in range(articles):
        published = FIRST_POST + i * POST_SPACING + timedelta(minutes=rng.randint(0, 120))
        author = rng.choice(base.authors)
        blocks = [Block("p", chain.paragraph(rng)) for _ in range(rng.randint(5, 10))]
        blocks.insert(rng.randint(2, len(blocks) - 1), Block("h2", chain.title(rng)))
        headline = chain.title(rng)
        section = rng.choice(base.sections)
        if i < len(base.sections):  # every section has a post (the category sitemap lists each)
            section = base.sections[i]
        slug = re.sub(r"[^a-z0-9]+", "-", headline.lower()).strip("-")[:60].strip("-") + f"-{i}"
        posts.append(Article(
            id=3_000_000 + i, slug=slug, headline=headline, author=author, section=section,
            date_published=published, date_modified=published + timedelta(hours=rng.choice((0, 0, 3))),
            tags=tuple(rng.sample(tags, 3)), description=chain.sentence(rng), image=f"mirror-{i}.jpg",
            caption=chain.sentence(rng, 12), credit="(U.S. Army photo/Released)",
            bios=(rng.randrange(len(author.bios)),) if rng.random() < 0.6 else (), body=tuple(blocks),
        ))  # fmt: skip
    posts.reverse()
    site = replace(base.site, trending=tuple(p.slug for p in posts[:3]))
    return replace(base, site=site, seed=posts[0].slug, articles=tuple(posts))


def render(content: Content, base_url: str) -> dict[str, Page]:
    """Every served page by path. Each article is rendered against a window of its neighbours, so
    its teasers match the full site's and the whole render stays linear in the number of posts."""
    ctx = RenderContext.for_site(content, base_url)
    posts, pages = content.articles, {}
    for k, article in enumerate(posts):
        window = sorted(
            {posts[(k + j) % len(posts)] for j in range(min(_TEASER_WINDOW, len(posts)))},
            key=lambda a: a.date_published,
            reverse=True,
        )
        pages[article.path] = article_page(ctx.for_articles(window), article)
    pages |= {p.path: static_page(ctx, p) for p in content.pages}
    pages |= sitemaps(ctx)
    pages["/robots.txt"] = robots_txt(ctx)
    pages["/feed/"] = feed(ctx)
    return pages


def article_paths(content: Content) -> list[str]:
    return [a.path for a in content.articles]


def expected_words(content: Content) -> int:
    """Words in the generated bodies (without chrome or bios): a sanity figure for the cleaner's output."""
    return sum(len(plain_text(b.plain).split()) for a in content.articles for b in a.body)


class _MirrorHandler(MiniSiteHandler):
    server: _MirrorServer

    def respond(self, *, send_body: bool) -> None:
        if self.path == CONTROL_PATH:
            body = json.dumps(self.server.counts()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body if send_body else b"")
            return
        super().respond(send_body=send_body)

    def send_response(self, code: int, message: str | None = None) -> None:
        if self.path != CONTROL_PATH:
            self.server.count_status(code)
        super().send_response(code, message)


class _MirrorServer(MiniSiteServer):
    def __init__(self, address: tuple[str, int], articles: int, seed: int) -> None:
        content = generate(articles, seed)
        super().__init__(address, lambda base_url: render(content, base_url), _MirrorHandler)
        self._status_lock = threading.Lock()
        self._statuses: dict[int, int] = defaultdict(int)

    def count_status(self, code: int) -> None:
        with self._status_lock:
            self._statuses[code] += 1

    def counts(self) -> dict[str, object]:
        with self._status_lock:
            statuses = {str(k): v for k, v in sorted(self._statuses.items())}
        return {"total": sum(statuses.values()), "by_status": statuses}


@contextlib.contextmanager
def serve_mirror(articles: int, seed: int = 8, host: str = "127.0.0.1", port: int = 0) -> Iterator[MiniSite]:
    """Run the mirror in a daemon thread (for tests; benchmarks run it as a child process)."""
    with serving_in_thread(_MirrorServer((host, port), articles, seed), "mirror") as server:
        yield server.site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mirror", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with serve_mirror(args.articles, args.seed, args.host, args.port) as site:
        print(site.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
