"""Article pages, archive listings, static pages and the 404 page, rendered in a RenderContext."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from defcorpus.minisite.content import (
    Article,
    Block,
    Page,
    StaticPage,
    load_content,
    month_path,
    months,
    paged_path,
    paginate,
    plain_text,
    slugify,
    tag_path,
    teasers,
)
from defcorpus.minisite.theme import Raw, RenderContext, day_label, escape


def _block_html(ctx: RenderContext, block: Block) -> str:
    if block.kind == "h2":
        return f"<h2>{escape(block.text)}</h2>"
    if block.kind == "quote":
        return f'<blockquote class="wp-block-quote"><p>{ctx.inline(block.text)}</p></blockquote>'
    if block.kind == "ul":
        return "<ul>\n" + "\n".join(f"<li>{ctx.inline(i)}</li>" for i in block.items) + "\n</ul>"
    lead = f"<strong>{escape(block.lead)}</strong>&nbsp;" if block.lead else ""
    return f"<p>{lead}{ctx.inline(block.text)}</p>"


def post_content(ctx: RenderContext, article: Article, *, theme: bool) -> Raw:
    """The post's HTML: blocks, editor-pasted teasers after blocks 2 and 4, then the pasted bios.

    With ``theme`` the theme's own injections are added (an ad slot, the newsletter box); the feed's
    ``content:encoded`` carries the post without them, as WordPress does.
    """
    picks, chrome = teasers(ctx.content, article), ctx.content.chrome
    parts: list[str] = []
    for number, block in enumerate(article.body, start=1):
        parts.append(_block_html(ctx, block))
        if number in (2, 4):
            label, pick = (chrome.up_next, picks.up_next) if number == 2 else (chrome.dont_miss, picks.dont_miss)
            parts.append(ctx.html("teaser_p", label=label, href=ctx.url(pick.path), headline=pick.headline))
        elif number == 6 and theme and len(article.body) > 7:
            parts.append(ctx.html("ad", id=article.id))
    if theme:
        parts.append(ctx.html("newsletter"))
    parts += [f"<p>{escape(bio)}</p>" for bio in article.pasted_bios]
    return Raw("\n".join(parts))


def _share(ctx: RenderContext, a: Article) -> Raw:
    url, title = quote(ctx.url(a.path), safe=""), quote(a.headline, safe="")
    targets = (
        f"https://www.facebook.com/sharer.php?u={url}",
        f"https://x.com/intent/tweet?text={title}&url={url}",
        f"https://www.linkedin.com/sharing/share-offsite/?url={url}",
        f"mailto:?subject={title}&body={url}",
    )
    pairs = zip(targets, ctx.content.chrome.share, strict=True)
    return Raw("".join(ctx.html("share_item", href=href, label=label) for href, label in pairs))


def _teaser(ctx: RenderContext, a: Article, *, byline: bool) -> Raw:
    """A listing or related-posts teaser; its excerpt is the article's description."""
    by = ctx.html(
        "byline", author_url=ctx.url(a.author.path), author=a.author.name,
        published=a.date_published.isoformat(), published_label=day_label(a.date_published),
    ) if byline else Raw("")  # fmt: skip
    return ctx.html(
        "teaser", url=ctx.url(a.path), image=ctx.url(a.image_path), section_url=ctx.url(a.section.path),
        section=a.section.name, headline=a.headline, description=a.description, byline=by,
    )  # fmt: skip


def _article_values(ctx: RenderContext, a: Article) -> dict[str, str]:
    """Values shared by the article's HTML snippets and its JSON-LD."""
    return {
        "url": ctx.url(a.path), "image": ctx.url(a.image_path), "headline": a.headline,
        "section": a.section.name, "section_url": ctx.url(a.section.path), "author": a.author.name,
        "author_url": ctx.url(a.author.path), "author_photo": ctx.url(a.author.photo_path),
        "published": a.date_published.isoformat(), "modified": a.date_modified.isoformat(),
    }  # fmt: skip


def _article_head(ctx: RenderContext, a: Article) -> Raw:
    values, words = _article_values(ctx, a), sum(len(b.plain.split()) for b in a.body)
    minutes = max(1, round(words / 250))
    tag_meta = Raw("".join(ctx.html("tag_meta", tag=t) for t in a.tags))
    meta = ctx.html(
        "article_meta",
        **values,
        tag_meta=tag_meta,
        id=a.id,
        reading_time=f"{minutes} minute{'s' * (minutes > 1)}",
    )
    url, title = values["url"], f"{a.headline} - {ctx.content.site.name}"
    person = hashlib.md5(a.author.slug.encode()).hexdigest()  # Yoast-like opaque id
    graph = ctx.json(
        "jsonld_article", **values, article_id=f"{url}#article", image_id=f"{url}#primaryimage",
        breadcrumb_id=f"{url}#breadcrumb", person_id=ctx.url(f"/#/schema/person/{person}"), title=title,
        word_count=words + sum(len(b.split()) for b in a.pasted_bios), tags=list(a.tags),
        description=a.description, caption=f"{a.caption} {a.credit}", bio=a.author.box,
        job_title=a.author.job_title,
    )  # fmt: skip
    return ctx.head(title, url, a.description, "article", meta, graph)


def article_page(ctx: RenderContext, a: Article) -> Page:
    c, values = ctx.content, _article_values(ctx, a)
    main = ctx.html(
        "article_main", **values, id=a.id, caption=a.caption, credit=a.credit, share=_share(ctx, a),
        classes=" ".join([f"category-{a.section.slug}", *(f"tag-{slugify(t)}" for t in a.tags)]),
        published_label=day_label(a.date_published), body=post_content(ctx, a, theme=True),
        author_bio=a.author.box,
        tags=Raw(", ".join(ctx.html("tag_link", href=ctx.url(tag_path(t)), text=t) for t in a.tags)),
        related=Raw("\n".join(_teaser(ctx, r, byline=False) for r in teasers(c, a).related)),
    )  # fmt: skip
    body_class = f"post-template-default single single-post postid-{a.id} single-format-standard zox-s1"
    page = ctx.document(_article_head(ctx, a), body_class, main)
    return Page(page.content_type, page.body, last_modified=a.date_modified)


def _pagination(ctx: RenderContext, path: str, number: int, count: int) -> Raw:
    if count == 1:
        return Raw("")
    links = [
        ctx.html("page_current" if n == number else "page_number", number=n, href=ctx.url(paged_path(path, n)))
        for n in range(1, count + 1)
    ]
    if number < count:
        links.append(ctx.html("page_next", href=ctx.url(paged_path(path, number + 1))))
    return ctx.html("pagination", links=Raw(" ".join(links)))


def _listing(ctx: RenderContext, path: str, title: str, intro: Raw, items: tuple[Article, ...]) -> dict[str, Page]:
    """A paginated archive (home, month, category, author or tag) headed by ``intro``."""
    site, chunks, out = ctx.content.site, paginate(items, ctx.content.site.per_page), {}
    for number, chunk in enumerate(chunks, start=1):
        page_path, suffix = paged_path(path, number), f" - Page {number} of {len(chunks)}" * (number > 1)
        full_title = f"{title}{suffix} - {site.name}"
        graph = ctx.json("jsonld_collection", url=ctx.url(page_path), title=full_title)
        head = ctx.head(full_title, ctx.url(page_path), site.tagline, "website", Raw(""), graph)
        main = ctx.html(
            "listing_main", intro=intro, pagination=_pagination(ctx, path, number, len(chunks)),
            teasers=Raw("\n".join(_teaser(ctx, a, byline=True) for a in chunk)),
        )  # fmt: skip
        out[page_path] = ctx.document(head, "home blog zox-s1" if path == "/" else "archive zox-s1", main)
    return out


def listings(ctx: RenderContext) -> dict[str, Page]:
    """Home, monthly, category, author and tag archives: every post, the embargoed one included."""
    c = ctx.content
    out = _listing(ctx, "/", c.site.tagline, ctx.html("intro_home"), c.articles)
    for m in months(c):
        label, items = f"{m:%B} {m.year}", tuple(a for a in c.articles if a.path.startswith(month_path(m)))
        out |= _listing(ctx, month_path(m), label, ctx.html("intro_month", label=label), items)
    for s in c.sections:
        intro = ctx.html("intro_section", name=s.name, description=s.description)
        out |= _listing(ctx, s.path, f"{s.name} Archives", intro, tuple(a for a in c.articles if a.section == s))
    for au in c.authors:
        intro = ctx.html("intro_author", name=au.name, job_title=au.job_title, bio=au.box)
        items = tuple(a for a in c.articles if a.author == au)
        out |= _listing(ctx, au.path, f"{au.name}, Author at", intro, items)
    for tag in dict.fromkeys(t for a in c.articles for t in a.tags):
        intro = ctx.html("intro_tag", name=tag)
        out |= _listing(ctx, tag_path(tag), f"{tag} Archives", intro, tuple(a for a in c.articles if tag in a.tags))
    return out


def static_page(ctx: RenderContext, p: StaticPage) -> Page:
    """A WordPress page: article-like markup (Yoast even says og:type article), yet not a post."""
    url, title = ctx.url(p.path), f"{p.title} - {ctx.content.site.name}"
    dates = {"published": p.date_published.isoformat(), "modified": p.date_modified.isoformat()}
    graph = ctx.json("jsonld_page", url=url, title=title, **dates)
    head = ctx.head(title, url, plain_text(p.body[0]), "article", ctx.html("page_meta", **dates), graph)
    paragraphs = Raw("\n".join(f"<p>{ctx.inline(t)}</p>" for t in p.body))
    main = ctx.html("static_main", slug=p.slug, title=p.title, paragraphs=paragraphs)
    return ctx.document(head, f"page-template-default page page-{p.slug} zox-s1", main)


def not_found_page(base_url: str) -> Page:
    """The theme's 404 page, served with status 404 for any unknown path."""
    ctx = RenderContext.for_site(load_content(), base_url)
    title = f"Page not found - {ctx.content.site.name}"
    head = ctx.head(title, ctx.url("/"), ctx.content.site.tagline, "website", Raw(""), [])
    return ctx.document(head, "error404 zox-s1", ctx.html("not_found_main"), status=404)
