"""Is an archived capture the article, or something that stood in for it?

The same tests as a live crawl's guard (``crawlers.blocks``, used by ``crawlers.middlewares.guards``):
a bot check or challenge the archive's crawler was served, a soft 404, an empty page. An archived
error status or a body that is not HTML is skipped too; redirects are judged by each archive's
fetch, which knows where its redirects point.
"""

from __future__ import annotations

from scrapy.http import HtmlResponse

from crawlers.archives.captures import Memento, Skip
from crawlers.blocks import block_reason

MIN_BYTES = 256  # as DEFCORPUS_GUARD_MIN_BYTES: an article body shorter than this is an empty page


def judge(memento: Memento) -> Skip | None:
    """None when the capture is an article page; else why it is skipped."""
    if memento.status != 200:
        return Skip("error", memento.captured_at)
    content_type = next((v for k, v in memento.headers if k.lower() == "content-type"), "")
    if content_type and "html" not in content_type.lower():
        return Skip("not_html", memento.captured_at)
    response = HtmlResponse(
        memento.url,
        status=memento.status,
        headers=[(k, v) for k, v in memento.headers if k.lower() != "content-encoding"],
        body=memento.body,
    )
    reason = block_reason(response, is_article=True, min_bytes=MIN_BYTES)
    return Skip(reason, memento.captured_at) if reason else None
