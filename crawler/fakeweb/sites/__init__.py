"""The built-in fake sites: the Riverton Gazette testbed, the Lakeshore Tribune, the demo blog,
and the Millbrook Chronicle (hundreds of generated stories, for crawls stopped midway)."""

from __future__ import annotations

from crawler.fakeweb.site import Site


def builtin_sites() -> list[Site]:
    """Fresh instances of every built-in site (the corpus is added by ``FakeWeb``)."""
    # Imported here: the site modules build their content at import, which only a web needs.
    from crawler.fakeweb.sites.chronicle import ChronicleSite
    from crawler.fakeweb.sites.demo_blog import DemoBlogSite
    from crawler.fakeweb.sites.news import NewsSite
    from crawler.fakeweb.sites.news_content import GONE_MARINA, LAKESHORE_TRIBUNE, RIVERTON_GAZETTE
    from crawler.fakeweb.sites.testbed import TestbedSite

    tribune = NewsSite(LAKESHORE_TRIBUNE)
    tribune.name("tribune-home", LAKESHORE_TRIBUNE.url("/"))
    tribune.name("tribune-article", LAKESHORE_TRIBUNE.url(LAKESHORE_TRIBUNE.articles[0].path))
    tribune.name("cited-gone", LAKESHORE_TRIBUNE.url(GONE_MARINA.path))
    return [TestbedSite(RIVERTON_GAZETTE), tribune, DemoBlogSite(), ChronicleSite()]
