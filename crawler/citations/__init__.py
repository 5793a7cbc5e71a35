"""Citations: what each blog post cites, parsed, and the cited articles fetched and extracted.

Pure parts (no Scrapy, no database): ``extract`` (links and plain references in a post body),
``references`` (authors, title, outlet, date of one reference), ``urls`` (tracking parameters,
redirectors, short links), ``quotes`` (is a quoted passage in the cited article?),
``articles`` (text and metadata of a fetched HTML page or PDF). ``fetcher`` wires them into the
blog crawl.
"""
