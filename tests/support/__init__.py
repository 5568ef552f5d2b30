"""Helpers shared by the test suite; test modules import helpers from here, never from each other.

- ``http``: the loopback fixture server (routes, conditional answers, faults) and ``free_port``;
- ``pages``: markup builders (article pages, JSON-LD, robots.txt, feeds, sitemaps);
- ``publishers``: loopback imitations of publishers' platforms, built from ``pages``;
- ``site_configs``: site configs for fixture sites;
- ``crawling``: crawl a site config in a child process, read its WARC files back;
- ``articles``: hand-made Article records; ``old_schema``: a table as an older release wrote it;
- ``raw``: synthetic raw stores (WARC files as a crawl writes them);
- ``snapshots``: what a store holds, and the key shapes it may hold;
- ``faults``: a fault-injecting S3 proxy, a publish killed half-way;
- ``s3``: the loopback S3 server (a pytest plugin: fixtures ``s3_server``, ``s3_bucket``, ``any_store``);
- ``cleaning_sites``: small synthetic news sites for the cleaning tests;
- ``minisite_facts``: what a correct crawl and clean of the bundled mini-site must produce;
- ``readers``: the README's reader one-liners; ``dags``: helpers of the DAG tests.
"""
