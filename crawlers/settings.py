"""Scrapy settings for defcorpus crawls: polite by default, every response kept as WARC.

defcorpus's own settings are prefixed ``DEFCORPUS_``; the crawl command sets the per-run ones
(site, store, crawl id) from its arguments, and the site's ``[crawl]`` table sets the per-site ones
(concurrency, delay, size limit, User-Agent contact) at "spider" priority (``crawlers.site_settings``).
"""

from __future__ import annotations

from corpus import version

BOT_NAME = "defcorpus"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# An honest User-Agent: who we are and where to reach the operator (a site's crawl.contact_url wins).
USER_AGENT = f"defcorpus/{version.VERSION} (+https://github.com/defcorpus/defcorpus; news corpus crawler)"
ROBOTSTXT_OBEY = True
ROBOTSTXT_USER_AGENT = "defcorpus"  # the token robots.txt groups are matched against

# Politeness: one or two requests at a time per site, paced by observed latency.
CONCURRENT_ITEMS = 4  # one small item per article; Scrapy starts this many tasks per response
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Scrapy decides whether to retry (5xx, 408, 429, timeouts, resets); BackoffMiddleware decides when.
RETRY_ENABLED = True
RETRY_TIMES = 3
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # a news page is far smaller; a bigger response is cut off
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# Scrapy's HTTP/1.1 handler, with a cap on each response's header section (DEFCORPUS_HEADERS_*).
DOWNLOAD_HANDLERS = {
    "http": "crawlers.handlers.http11.HeaderLimitedDownloadHandler",
    "https": "crawlers.handlers.http11.HeaderLimitedDownloadHandler",
}

COOKIES_ENABLED = False
# No control ports on a crawler that may run in a cloud: no telnet console, no remote-control server.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
# Connections go only to the DNS answer the SSRF guard checked (no second lookup to rebind).
TWISTED_DNS_RESOLVER = "crawlers.resolver.GuardedResolver"

DOWNLOADER_MIDDLEWARES = {
    "crawlers.middlewares.ssrf.SsrfGuardMiddleware": 40,  # before OffsiteMiddleware (50): refusals are logged
    # Scrapy's, with RFC 9309's reading of a robots.txt that answers 5xx or times out: disallow all.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawlers.middlewares.robots.Rfc9309RobotsTxtMiddleware": 100,
    "crawlers.middlewares.politeness.CrawlDelayMiddleware": 110,  # after RobotsTxtMiddleware (100)
    "crawlers.middlewares.incremental.IncrementalMiddleware": 520,
    "crawlers.middlewares.guards.PageGuardMiddleware": 540,  # responses: after RetryMiddleware (550)
    "crawlers.middlewares.backoff.BackoffMiddleware": 560,  # responses: before RetryMiddleware (550)
}

EXTENSIONS = {
    "crawlers.extensions.warc_writer.WarcWriter": 500,
    "crawlers.extensions.crawl_report.CrawlReportWriter": 510,
    "crawlers.extensions.progress.CrawlProgress": 520,
}

# --- defcorpus (alphabetical; each group's *_ENABLED first) ------------------------------------
DEFCORPUS_BACKOFF_ENABLED = True
DEFCORPUS_BACKOFF_BASE = 2.0  # seconds before the first retry; doubles per attempt
DEFCORPUS_BACKOFF_MAX = 120.0
DEFCORPUS_CRAWL_DELAY_ENABLED = True  # honour robots.txt Crawl-delay
DEFCORPUS_CRAWL_DELAY_MAX = 60.0
DEFCORPUS_CRAWL_ID = None  # set per run
# Sitemaps followed from robots.txt and sitemap indexes: at most this many levels below a configured
# source, this many per crawl; past either, not fetched and counted as discovery/capped/<reason>.
DEFCORPUS_DISCOVERY_MAX_DEPTH = 5
DEFCORPUS_DISCOVERY_MAX_DOCUMENTS = 10_000
DEFCORPUS_GUARD_ENABLED = True
DEFCORPUS_GUARD_CLOSE_AFTER = 20  # stop after this many bot checks in a row (0: never)
DEFCORPUS_GUARD_MIN_BYTES = 256  # an article response shorter than this is an empty (blocked) page
# An article page with fewer words than this outside its navigation, header, footer, asides and scripts
# looks like a placeholder ("story to follow"): kept, flagged short, asked for again (0: never).
DEFCORPUS_GUARD_SHORT_WORDS = 50
# A response's header section: at most this many lines, this many bytes (Chromium's limit); past
# either the response is refused, counted as download/refused/<reason>.
DEFCORPUS_HEADERS_MAX_COUNT = 500
DEFCORPUS_HEADERS_MAX_BYTES = 256 * 1024
DEFCORPUS_INCREMENTAL_ENABLED = True
DEFCORPUS_INCREMENTAL_REFETCH_UNVALIDATED = False  # refetch known URLs that had no ETag/Last-Modified
# Later runs that ask again for an article stored short, or one the clean rejected (0: never).
DEFCORPUS_INCREMENTAL_SHORT_RETRIES = 3
DEFCORPUS_PAYWALL_MARKERS: list[str] = []  # set from the site's crawl.paywall_markers
DEFCORPUS_CRAWL_LEASE_TTL = 1800  # seconds a crawl's lease lasts unrenewed (renewed every third of it)
DEFCORPUS_PROGRESS_ENABLED = False  # progress lines on stdout for the parent (crawlers.runner sets it)
DEFCORPUS_PROGRESS_INTERVAL = 0.5  # seconds between two progress lines at most
DEFCORPUS_REPORT_FILE = None  # local JSON file the parent process reads the crawl report from
DEFCORPUS_RETRY_AFTER_MAX = 600.0  # longest Retry-After honoured, seconds
DEFCORPUS_S3_ENDPOINT_URL = None
DEFCORPUS_SSRF_ENABLED = True  # refuse loopback, private, link-local and non-http(s) targets
DEFCORPUS_SSRF_ALLOW: list[str] = []  # hosts or CIDR networks allowed anyway (a site's own IP base_url is)
DEFCORPUS_STORE = "./defcorpus-data"
DEFCORPUS_WARC_ENABLED = True
DEFCORPUS_WARC_GZIP_LEVEL = 9  # zlib level of each record's gzip member: 0 (none) to 9 (smallest)
DEFCORPUS_WARC_MAX_BYTES = 256 * 1024 * 1024  # rotate to a new WARC file past this size
DEFCORPUS_WARC_MAX_RECORDS = 200  # ... or past this many responses, so a killed crawl loses little
DEFCORPUS_WARC_MAX_SECONDS = 300.0  # ... or when the file has been open this long
