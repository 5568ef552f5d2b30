"""Helpers shared by the test suite; test modules import helpers from here, never from each other.

- ``http``: the suite's one loopback fixture server (routes, conditional answers, faults) and ``free_port``;
- ``pages``: markup builders (article pages, JSON-LD, robots.txt, feeds, sitemaps, a gzip bomb);
- ``publishers``: loopback imitations of publishers' platforms, built from ``pages`` (``plain``: robots.txt,
  one sitemap, the articles);
- ``site_configs``: site configs for fixture sites (``fixture_site``) and the reliability suite's publisher;
- ``crawling``: crawl a site config in a child process, read its WARC files back; loopback crawl settings;
- ``articles``: hand-made Article records; ``old_schema``: a table as an older release wrote it;
- ``raw``: synthetic raw stores (WARC files as a crawl, or another tool, writes them);
- ``snapshots``: what a store holds, and the key shapes it may hold;
- ``faults``: a fault-injecting S3 proxy, a publish killed half-way;
- ``s3``: the loopback S3 server (a pytest plugin: fixtures ``s3_server``, ``s3_bucket``, ``any_store``);
- ``archives``, ``archive_history``: fake web archives (Wayback, Common Crawl) serving a generated history;
  ``backfilling``: running and reading back a backfill from them;
- ``cleaning_sites``: small synthetic news sites for the cleaning tests;
- ``template_site``: pages of one invented site with recurring chrome, for site-structure learning;
- ``minisite_facts``: what a correct crawl and clean of the bundled mini-site must produce;
- ``report_corpus``: the corpus the report tests read (drift, leaking chrome, a blocked crawl, copies);
- ``shared``: inputs next to the repository (``../shared``): a skip locally, a failure under ``CI=true``;
  ``bench_sets``: a small benchmark set laid out as the shared ones are;
- ``readers``: the README's reader one-liners; ``dags``: helpers of the DAG tests; ``compose``: infra/compose.yaml.
"""
