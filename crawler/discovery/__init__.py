"""Finding a blog's posts cheaply: its platform, its feeds and API listings, its sitemaps.

Plain parsers (bytes in, values out) with no Scrapy in them; ``crawler.spiders.blog`` decides
what to fetch and when.
"""
