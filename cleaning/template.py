"""A site's learned template: the DOM position that holds its articles, found from its own pages.

Every article of a site is printed into the same container (``div.article-body`` under
``main.story``, whatever the class names are), while related-story teasers, newsletter boxes and
"More from …" lists sit in other positions of the template. Texts in those positions change from page
to page, so counting paragraph texts (``cleaning.boilerplate``) cannot learn them; their position can.

Per page, the container is the deepest element that holds most of the extracted words. Its
signature is its tag and class names with those of its parent (numbers folded: class names with
build hashes or ids vary), so the same slot of the template matches on every page. Once one
signature is the container of enough of the site's articles, a block of a page that has that
container, that lies outside it after the article began, is the template's chrome (what precedes
the container — a standfirst, key points — is the article's own).

State is explicit: a ``SiteTemplate`` is kept with the site's boilerplate statistics.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree
from lxml import html as lxml_html

from cleaning.blocks import Block
from cleaning.normalize import normalize_text, word_key
from cleaning.slots import ChromeSlots

# The container holds at least this share of a page's extracted words.
CONTAINER_SHARE = 0.8
# A signature decides once it is the container of this share of the site's observed articles.
SITE_SHARE = 0.6
MAX_DOCS = 64
# A paragraph recovered from the container has at least this many words (buttons and labels have fewer).
PROSE_MIN_WORDS = 6
_TEXT_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "td", "th", "dd", "dt", "pre")
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"\w+")
_SKIP = ("html", "body")
_NOT_PROSE_TAGS = ("figure", "figcaption", "aside", "nav", "footer", "form", "header")
# Class-name conventions of CMS templates for slots that are never the article's prose.
_NOT_PROSE_CLASS = re.compile(
    r"caption|credit|promo|related|newsletter|share|social|advert|\bad\b|\bads\b|recommend|teaser|sidebar",
    re.IGNORECASE,
)
_LEAF_TAGS = ("p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote")
_HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6")
# A copy's title is looked for this many wrapper levels up (the copy, its section, its post).
TITLE_LEVELS = 3


def signature(el: etree._Element) -> str:
    """``parent-tag.classes>tag.classes``, class names sorted and their digits folded."""
    parts = []
    for node in (el.getparent(), el):
        if node is None or not isinstance(node.tag, str):
            continue
        classes = sorted({_DIGITS.sub("0", c) for c in (node.get("class") or "").split()})
        parts.append(".".join([node.tag, *classes]))
    return ">".join(parts)


def block_positions(tree: lxml_html.HtmlElement, blocks: Sequence[Block]) -> list[tuple[str, ...] | None]:
    """For each block, the signatures of its source element's ancestors (None: not found in the page)."""
    return chains(locate(tree, blocks))


def locate(tree: lxml_html.HtmlElement, blocks: Sequence[Block]) -> list[etree._Element | None]:
    """For each block, the page element it was extracted from (None: not found in the page)."""
    return PageIndex(tree).locate(blocks)


class PageIndex:
    """A page's text elements by their words, read once for the passes that locate blocks in it.

    Several passes of one page's extraction locate their blocks in the same tree; reading every text
    element's words is much of their work. The index is read at the first ``locate`` and holds while
    the tree is unchanged: code that removes elements or edits text makes a new one after the change.
    """

    def __init__(self, tree: lxml_html.HtmlElement) -> None:
        self.tree = tree
        self._by_text: dict[str, list[tuple[int, etree._Element]]] | None = None

    def _index(self) -> dict[str, list[tuple[int, etree._Element]]]:
        if self._by_text is None:
            by_text: dict[str, list[tuple[int, etree._Element]]] = {}
            for n, el in enumerate(self.tree.iter(*_TEXT_TAGS)):
                by_text.setdefault(word_key(el.text_content(), fold=True), []).append((n, el))
            self._by_text = by_text
        return self._by_text

    def locate(self, blocks: Sequence[Block]) -> list[etree._Element | None]:
        """For each block, the page element it was extracted from (None: not found in the page).

        A text the page prints twice (a name in a sidebar's topic list and in the article's own list)
        is located at its first copy after the previous block's element: blocks come in page order."""
        by_text = self._index()
        found: list[etree._Element | None] = []
        last = -1
        for block in blocks:
            copies = by_text.get(word_key(block.text, fold=True))
            if not copies:
                found.append(None)
                continue
            last, el = next(((n, e) for n, e in copies if n > last), copies[0])
            found.append(el)
        return found


def chains(elements: Sequence[etree._Element | None]) -> list[tuple[str, ...] | None]:
    """Each element's ancestors' signatures, nearest first (the block's position in the template)."""
    memo: dict[etree._Element, str] = {}  # the blocks of a page share their ancestors
    return [
        None
        if el is None
        else tuple(_signature(a, memo) for a in el.iterancestors() if isinstance(a.tag, str) and a.tag not in _SKIP)
        for el in elements
    ]


def _signature(el: etree._Element, memo: dict[etree._Element, str]) -> str:
    found = memo.get(el)
    if found is None:
        found = memo[el] = signature(el)
    return found


def page_container(positions: Sequence[tuple[str, ...] | None], blocks: Sequence[Block]) -> str | None:
    """The deepest ancestor signature holding ``CONTAINER_SHARE`` of the page's words."""
    words = [len(_WORD.findall(b.text)) for b in blocks]
    total = sum(words)
    if not total:
        return None
    held: dict[str, int] = {}
    depth: dict[str, int] = {}
    for chain, n in zip(positions, words, strict=True):
        for d, sig in enumerate(reversed(chain or ())):
            held[sig] = held.get(sig, 0) + n
            depth[sig] = max(depth.get(sig, 0), d)
    fitting = [s for s, n in held.items() if n >= CONTAINER_SHARE * total]
    return max(fitting, key=lambda s: (depth[s], s), default=None)


@dataclass
class SiteTemplate:
    """Which container signature held each observed article (article ids, capped per signature)."""

    containers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    articles: tuple[str, ...] = ()
    slots: ChromeSlots = field(default_factory=ChromeSlots)  # positions whose text recurs: chrome

    def observe(self, article_id: str, container: str | None) -> None:
        if article_id not in self.articles and len(self.articles) < MAX_DOCS:
            self.articles = (*self.articles, article_id)
        if container is not None:
            docs = self.containers.get(container, ())
            if article_id not in docs and len(docs) < MAX_DOCS:
                self.containers[container] = (*docs, article_id)

    def container(self, min_articles: int) -> str | None:
        """The site's article container, once enough of its articles agree on one."""
        if not self.containers:
            return None
        sig, docs = max(self.containers.items(), key=lambda kv: (len(kv[1]), kv[0]))
        if len(docs) >= min_articles and len(docs) >= SITE_SHARE * len(self.articles):
            return sig
        return None

    def outside(
        self, positions: Sequence[tuple[str, ...] | None], blocks: Sequence[Block], min_articles: int
    ) -> list[bool]:
        """Per block: it lies outside the site's container, after the article began, on a page
        that has that container.

        What is printed above the container (a standfirst, key points, a live blog's summary) is
        the article's own; what sits outside it once the article began is the template's: promos
        set between its paragraphs, related stories, bios, "More from …" after it."""
        site = self.container(min_articles)
        inside = [site is not None and chain is not None and site in chain for chain in positions]
        words = [len(_WORD.findall(b.text)) for b in blocks]
        if site is None or sum(w for w, i in zip(words, inside, strict=True) if i) < 0.5 * sum(words):
            return [False] * len(blocks)  # this page was printed by another template: judge nothing
        last = max(n for n, i in enumerate(inside) if i)
        return [n > last and chain is not None for n, chain in enumerate(positions)]

    def to_record(self) -> dict[str, object]:
        return {
            "containers": {k: list(v) for k, v in sorted(self.containers.items())},
            "articles": list(self.articles),
            "slots": self.slots.to_record(),
        }

    @classmethod
    def from_record(cls, record: dict[str, object] | None) -> SiteTemplate:
        if not record:
            return cls()
        containers = record.get("containers") or {}
        articles = record.get("articles") or []
        assert isinstance(containers, dict) and isinstance(articles, list)
        return cls(
            {str(k): tuple(v) for k, v in containers.items()},
            tuple(str(a) for a in articles),
            ChromeSlots.from_record(record.get("slots")),  # absent in state written before slots were learned
        )


def recovered(
    tree: lxml_html.HtmlElement, container: str, blocks: Sequence[Block], headline: str | None = None
) -> list[Block]:
    """``blocks`` with the paragraphs of the site's container that extraction missed, in page order.

    A live blog or a body split by embeds prints one article in many copies of the container; an
    extractor that settles on one copy loses the others. Prose paragraphs (``<p>`` of a sentence or
    more, not mostly links) inside any element carrying the container's signature are the article's
    by the site's own template; so is the title printed just before a copy that holds article text
    (a live post's title), and the subheadings of a copy extraction missed. Scripts and styles
    are never text; the headline is not printed again.
    """
    etree.strip_elements(tree, "script", "style", "noscript", "template", "svg", with_tail=False)
    elements = [el for el in tree.iter(*_LEAF_TAGS) if el.find(".//p") is None and el.find(".//li") is None]
    index = {el: n for n, el in enumerate(elements)}
    order = {word_key(el.text_content(), fold=True): n for n, el in reversed(list(enumerate(elements)))}
    have = {word_key(b.text, fold=True) for b in blocks}
    if headline:
        have.add(word_key(headline, fold=True))
    placed: list[tuple[float, int, Block]] = []
    last = -1.0
    for i, block in enumerate(blocks):
        last = float(order.get(word_key(block.text, fold=True), last))
        placed.append((last, i, block))
    held = set(have)
    memo: dict[etree._Element, str] = {}
    copies: dict[etree._Element, bool] = {}  # copies holding article text: were paragraphs recovered?
    for n, el in enumerate(elements):
        key = word_key(el.text_content(), fold=True) if el.tag == "p" else ""
        if not key or (key not in held and (key in have or not _is_prose(el, key))):
            continue
        copy = _container_copy(el, container, memo)
        if copy is None:
            continue
        copies[copy] = copies.get(copy, False) or key not in held
        if key not in have:
            have.add(key)
            placed.append((n - 0.5, -1, Block("p", normalize_text(el.text_content()))))
    for heading in (h for copy, missed in copies.items() for h in _copy_headings(copy, container, missed, memo)):
        key = word_key(heading.text_content(), fold=True)
        if key and key not in have and heading in index:
            have.add(key)
            placed.append((index[heading] - 0.5, -1, Block("h", normalize_text(heading.text_content()))))
    return [b for _, _, b in sorted(placed, key=lambda t: (t[0], t[1]))]


def _copy_headings(
    copy: etree._Element, container: str, missed: bool, memo: dict[etree._Element, str]
) -> list[etree._Element]:
    """The title printed just before a copy of the container: the heading that is the previous
    element of the copy (or of the wrappers it opens), within ``TITLE_LEVELS`` levels; then, when
    extraction ``missed`` the copy's paragraphs, the subheadings inside it."""
    found = [h for h in copy.iter(*_HEADING_TAGS) if _container_copy(h, container, memo) is copy] if missed else []
    node: etree._Element | None = copy
    for _ in range(TITLE_LEVELS):
        if node is None:
            break
        previous = node.getprevious()
        while previous is not None and not isinstance(previous.tag, str):
            previous = previous.getprevious()
        if previous is None:
            node = node.getparent()
            continue
        if previous.tag in _HEADING_TAGS and not marked_not_prose(previous) and _is_title(previous):
            found.insert(0, previous)
        break
    return found


def _is_title(el: etree._Element) -> bool:
    """A heading of words, not a link to another story."""
    words = len(_WORD.findall(el.text_content()))
    link_words = sum(len(_WORD.findall(a.text_content())) for a in el.iter("a"))
    return words > 0 and link_words < 0.5 * words


def _is_prose(el: etree._Element, key: str) -> bool:
    """A sentence of text, not a button, a share bar or a link to another story."""
    words = key.count(" ") + 1 if key else 0
    link_words = sum(len(_WORD.findall(a.text_content())) for a in el.iter("a"))
    return words >= PROSE_MIN_WORDS and link_words < 0.5 * words


def _container_copy(el: etree._Element, container: str, memo: dict[etree._Element, str]) -> etree._Element | None:
    """The copy of the container ``el`` is in, unless ``el`` sits in a figure, an aside or a block
    the page's markup names as a caption, promo, related-links, newsletter, share or ad slot."""
    for a in el.iterancestors():
        if not isinstance(a.tag, str):
            continue
        if _signature(a, memo) == container:
            return a
        if marked_not_prose(a):
            return None
    return None


def marked_not_prose(el: etree._Element) -> bool:
    """A figure, aside, nav, footer, form or header, or a class naming a caption, promo, related,
    newsletter, share, ad, teaser or sidebar slot: never the article's prose."""
    return el.tag in _NOT_PROSE_TAGS or bool(_NOT_PROSE_CLASS.search(el.get("class") or ""))


__all__ = (
    "PageIndex",
    "SiteTemplate",
    "block_positions",
    "chains",
    "locate",
    "marked_not_prose",
    "page_container",
    "recovered",
    "signature",
)
