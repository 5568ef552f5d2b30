"""Discovery files: robots.txt, the Yoast sitemaps and the RSS feed."""

from __future__ import annotations

from email.utils import format_datetime
from typing import TYPE_CHECKING

from defcorpus.minisite.content import Page, month_path, months
from defcorpus.minisite.pages import post_content
from defcorpus.minisite.theme import RSS, TEXT, XML, Raw, RenderContext, cdata

if TYPE_CHECKING:
    from datetime import datetime


def robots_txt(ctx: RenderContext) -> Page:
    lines = ["User-agent: *", "Disallow: /wp-admin/", "Allow: /wp-admin/admin-ajax.php"]
    lines += [f"Disallow: {a.path}" for a in ctx.content.articles if a.robots_disallowed]
    lines += ["", f"Sitemap: {ctx.url('/sitemap_index.xml')}", ""]
    return Page(TEXT, "\n".join(lines).encode())


def _sitemap_files(ctx: RenderContext) -> dict[str, list[tuple[str, datetime, str]]]:
    """Entries (loc, lastmod, image URL or "") of each Yoast sitemap: posts by month, pages, categories."""
    c, files = ctx.content, {}
    for m in months(c):
        posts = sorted((a for a in c.articles if a.path.startswith(month_path(m))), key=lambda a: a.date_published)
        files[f"/post-sitemap-{m:%Y-%m}.xml"] = [
            (ctx.url(a.path), a.date_modified, ctx.url(a.image_path)) for a in posts
        ]
    files["/page-sitemap.xml"] = [(ctx.url("/"), c.articles[0].date_modified, "")] + [
        (ctx.url(p.path), p.date_modified, "") for p in c.pages
    ]
    files["/category-sitemap.xml"] = [
        (ctx.url(s.path), max(a.date_modified for a in c.articles if a.section == s), "") for s in c.sections
    ]
    return files


def sitemaps(ctx: RenderContext) -> dict[str, Page]:
    files, pages = _sitemap_files(ctx), {}
    for path, entries in files.items():
        urls = "".join(
            ctx.html(
                "url_entry",
                loc=loc,
                lastmod=mod.isoformat(),
                image=ctx.html("url_image", loc=img) if img else Raw(""),
            )
            for loc, mod, img in entries
        )
        pages[path] = Page(XML, ctx.html("urlset", entries=Raw(urls)).encode())
    index = "".join(
        ctx.html("sitemap_entry", loc=ctx.url(path), lastmod=max(e[1] for e in entries).isoformat())
        for path, entries in files.items()
    )
    pages["/sitemap_index.xml"] = Page(XML, ctx.html("sitemap_index", entries=Raw(index)).encode())
    return pages


def feed(ctx: RenderContext) -> Page:
    """RSS 2.0 as WordPress writes it: the newest posts, full post content in ``content:encoded``."""
    c, items = ctx.content, []
    for a in c.articles[: c.site.feed_size]:
        categories = "".join(ctx.html("feed_category", name=cdata(n)) for n in (a.section.name, *a.tags))
        items.append(ctx.html(
            "feed_item", headline=a.headline, url=ctx.url(a.path), author=cdata(a.author.name), id=a.id,
            pub_date=format_datetime(a.date_published), categories=Raw(categories),
            description=cdata(a.description), content=cdata(post_content(ctx, a, theme=False)),
        ))  # fmt: skip
    last_build = format_datetime(max(a.date_modified for a in c.articles))
    return Page(RSS, ctx.html("feed", last_build=last_build, items=Raw("".join(items))).encode())
