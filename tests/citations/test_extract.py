"""Citation extraction from post bodies: the demo blog, made-up bodies with widgets, and real
blog pages of the shared corpus (checked against Readability's main content)."""

from __future__ import annotations

import json

import lxml.html
import pytest

from crawler.citations.extract import extract_citations, same_blog
from crawler.citations.urls import normalise
from crawler.discovery.postpage import extract_post
from crawler.fakeweb.sites.blog_content import BLOG_HOST, POSTS
from crawler.fakeweb.sites.demo_blog import DemoBlogSite
from crawler.fakeweb.web import find_corpus_dir
from crawler.scope import host_of

CORPUS = find_corpus_dir()


def _demo_body(site: DemoBlogSite, path: str) -> tuple[str, str]:
    post = next(p for p in site.posts if p.path == path)
    url = f"https://{BLOG_HOST}{path}"
    page = site._page(post.title, site._post_html(post, single=True), canonical=path)
    body = extract_post(page, url).body_html
    assert body is not None
    return body, url


@pytest.mark.parametrize("post", POSTS, ids=lambda p: p.path.rsplit("/", 1)[-1])
def test_demo_posts_every_cited_link_and_reference(post: object) -> None:
    site = DemoBlogSite()
    body, url = _demo_body(site, post.path)  # type: ignore[attr-defined]
    found = extract_citations(body, post_url=url)
    # Ground truth from the blog's own content: inline links, then the reference list.
    inline = lxml.html.fromstring("".join(f"<p>{p}</p>" for p in post.paragraphs))  # type: ignore[attr-defined]
    expected = [a.get("href") for a in inline.iter("a")] + [
        u
        for _, u in post.references  # type: ignore[attr-defined]
    ]
    assert [c.url for c in found] == expected
    assert [c.position for c in found] == list(range(len(expected)))
    assert not any(c.internal for c in found)
    listed = [c for c in found if c.context == "list-item"]
    for citation, (text, _) in zip(listed, post.references, strict=True):  # type: ignore[attr-defined]
        assert citation.reference_text.startswith(text)
        ref = citation.reference
        assert ref.title and ref.title in text and ref.outlet and ref.cited_date
        assert ref.authors and ref.authors[0].split()[-1] == text.split(",")[0]
    for citation in found:
        if citation.context == "paragraph":
            assert citation.anchor_text and citation.anchor_text in citation.reference_text


WORDPRESS_BODY = """
<div class="entry-content">
<p>As <a href="https://www.google.com/url?q=https://news.example.com/a.html&amp;sa=D">the
Example News</a> reported, the dam "was never meant to hold a flood of that size," and
<a href="https://other.example.net/b?utm_source=twitter&amp;utm_medium=social">others</a>
agree. See also <a href="/2019/01/earlier-post/">my earlier post</a>.</p>
<blockquote><p>The spillway gates were last tested in 1998, records show.</p></blockquote>
<p>Sources:<br>
Kerr, Alma, "Dam Report Released," Example News, 3/2/19 <a href="https://news.example.com/c.html">link</a><br>
"Spillway Tests Overdue," The Valley Record, March 4, 2019<br>
Just a note with no reference in it.</p>
<ul><li><a href="https://archive.example.org/report.pdf">County Dam Safety Report 2018 (PDF)</a>
</li>
<li>Webb, Omar, "Inspectors Question Dam Maintenance," Hill Country Times, 2/27/19</li></ul>
<p><a href="https://images.example.com/dam.jpg"><img src="https://images.example.com/dam.jpg"></a></p>
<p>Broken: <a href="http//broken.example.com/x.html">typo</a>, <a href="javascript:void(0)">js</a>,
<a href="mailto:me@example.org">mail me</a>, <a href="#top">top</a>,
<a href="data:text/html;base64,PGgxPg==">data</a>.</p>
<div class="sharedaddy sd-sharing-enabled"><a href="https://twitter.com/share?url=x">Tweet</a>
<a href="https://www.facebook.com/sharer.php?u=x">Share</a></div>
<div id="jp-relatedposts" class="jp-relatedposts"><a href="https://related.example.com/">Related</a></div>
<div class="widget LinkList"><a href="https://friend.example.com/">A friend's blog</a></div>
<div class="post-labels"><a href="/tag/dams/" rel="tag">dams</a></div>
<div class="feed-links"><a href="https://blog.example.org/feed/">Subscribe</a></div>
<form id="commentform"><a href="https://gravatar.example.com/">avatar</a></form>
<nav><a href="https://nav.example.com/">Next post</a></nav>
</div>
"""


def test_a_wordpress_body_with_widgets_share_buttons_and_plain_references() -> None:
    found = extract_citations(WORDPRESS_BODY, post_url="https://blog.example.org/2019/03/dam/")
    urls = [c.url for c in found]
    assert urls == [
        "https://news.example.com/a.html",
        "https://other.example.net/b",
        "https://blog.example.org/2019/01/earlier-post/",
        "https://news.example.com/c.html",
        None,  # "Spillway Tests Overdue" (a line without a link)
        "https://archive.example.org/report.pdf",
        None,  # the Webb list item
        "http://broken.example.com/x.html",
        None,  # javascript:, recorded with its reason
        None,  # mailto:, recorded with its reason
        None,  # the data: URI, recorded with its reason
    ]
    assert [c.target.reason for c in found[-3:]] == ["javascript", "mailto", "data"]
    first = found[0]
    assert first.href.startswith("https://www.google.com/url?")
    assert first.anchor_text == "the Example News" and first.context == "paragraph"
    assert first.quotes == [
        "was never meant to hold a flood of that size",
        "The spillway gates were last tested in 1998, records show.",
    ]
    assert found[2].internal and not found[0].internal
    kerr = found[3]
    assert kerr.context == "line" and kerr.reference_text.startswith("Kerr, Alma,")
    assert kerr.reference.authors == ["Alma Kerr"] and kerr.reference.cited_date == "2019-03-02"
    spillway = found[4]
    assert (spillway.context, spillway.reference.title, spillway.reference.outlet) == (
        "plain",
        "Spillway Tests Overdue",
        "The Valley Record",
    )
    assert spillway.reference.cited_date == "2019-03-04"
    pdf = found[5]
    assert (
        pdf.context == "list-item" and pdf.reference.title == "County Dam Safety Report 2018 (PDF)"
    )
    webb = found[6]
    assert webb.reference.outlet == "Hill Country Times" and webb.href is None
    assert found[10].href.startswith("data:") and found[10].target.reason == "data"


def test_the_blog_language_decides_the_date_order() -> None:
    body = '<ul><li>Kerr, Alma, "Dam Report," Example News, 3/2/19 <a href="https://n.example.com/">x</a></li></ul>'
    assert extract_citations(body, post_url="https://b.example.org/")[0].reference.cited_date == (
        "2019-03-02"
    )
    found = extract_citations(body, post_url="https://b.example.org/", language="en-GB")
    assert found[0].reference.cited_date == "2019-02-03"


def test_broken_html_and_empty_bodies() -> None:
    assert extract_citations(None, post_url="https://b.example.org/") == []
    assert extract_citations("   ", post_url="https://b.example.org/") == []
    broken = '<p>See <a href="https://n.example.com/x">this <b>story</p><li>"A Title," Paper, 2011'
    found = extract_citations(broken, post_url="https://b.example.org/")
    assert found[0].url == "https://n.example.com/x"
    huge = "<p>" + '<a href="data:image/png;base64,' + "A" * 2_000_000 + '">x</a></p>'
    assert extract_citations(huge, post_url="https://b.example.org/")[0].url is None
    # An unclosed <i> swallows the next item: each reference is still recorded once.
    swallowed = (
        '<ul><li>"Mill Fire Contained," <i>Riverton Gazette, 3/2/26'
        '<li>Okafor, Margaret, "Water Rates Rise," Lakeshore Tribune, 2/27/26</ul>'
    )
    found = extract_citations(swallowed, post_url="https://b.example.org/")
    assert [c.reference.title for c in found] == ["Mill Fire Contained", "Water Rates Rise"]


def test_blogspot_country_domains_are_the_same_blog() -> None:
    assert same_blog("example.blogspot.de", "example.blogspot.com")
    assert not same_blog("other.blogspot.de", "example.blogspot.com")


# --- the shared corpus ----------------------------------------------------------------------


def _manifest() -> list[dict]:
    path = CORPUS / "MANIFEST.json"
    if not path.exists():
        return []
    return [
        m
        for m in json.loads(path.read_text())
        if m["file"].startswith("blogs/readability-")
        and m["file"].endswith(".html")
        and "expected" not in m["file"]
    ]


@pytest.mark.parametrize("entry", _manifest() or [None], ids=lambda m: m["file"] if m else "none")
def test_corpus_posts_links_match_readability_main_content(entry: dict | None) -> None:
    """Off-site links found = off-site, non-image links of Readability's main content."""
    if entry is None:
        pytest.skip(f"corpus absent at {CORPUS}")
    html = (CORPUS / entry["file"]).read_bytes().decode("utf-8", "replace")
    url = entry["url"]
    expected_file = next(e for e in entry["expected"] if e.endswith("expected.html"))
    main = lxml.html.fromstring((CORPUS / expected_file).read_text())
    want = set()
    for a in main.iter("a"):
        key = normalise(a.get("href") or "", url).key
        is_image = a.find(".//img") is not None and not a.text_content().strip()
        if key and not same_blog(host_of(key), host_of(url)) and not is_image:
            want.add(key)
    page = extract_post(html, url)
    found = extract_citations(page.body_html, post_url=url)
    got = {c.key for c in found if c.key and not c.internal}
    assert want, "the expected main content has off-site links"
    assert got <= want, f"not in the post's main content: {sorted(got - want)}"
    assert len(got & want) / len(want) >= 0.97, f"missed: {sorted(want - got)}"
