"""Scrapy settings for defcorpus crawls: polite by default, every response kept as WARC.

defcorpus's own settings are prefixed ``DEFCORPUS_``; the crawl command sets the per-run ones
(site, store, crawl id) from its arguments.
"""

from __future__ import annotations

BOT_NAME = "defcorpus"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = "defcorpus/0.1 (+https://github.com/defcorpus/defcorpus; news corpus crawler)"
ROBOTSTXT_OBEY = True

# Politeness: one or two requests at a time per site, paced by observed latency.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = 3
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024

COOKIES_ENABLED = False
# No control ports on a crawler that may run in a cloud: no telnet console, no remote-control server.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"

EXTENSIONS = {
    "crawlers.extensions.warc_writer.WarcWriter": 500,
    "crawlers.extensions.crawl_report.CrawlReport": 510,
}

# --- defcorpus ---------------------------------------------------------------------------------
DEFCORPUS_WARC_ENABLED = True
DEFCORPUS_WARC_MAX_BYTES = 256 * 1024 * 1024  # rotate to a new WARC file past this size
DEFCORPUS_STORE = "./defcorpus-data"
DEFCORPUS_S3_ENDPOINT_URL = None
DEFCORPUS_CRAWL_ID = None  # set per run
DEFCORPUS_REPORT_FILE = None  # local JSON file the parent process reads the crawl report from
