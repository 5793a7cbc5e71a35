"""Cited article text: HTML through trafilatura, PDF through pypdf, anything else kept as is."""

from __future__ import annotations

from crawler.citations.articles import extract_article, kind_of


def tiny_pdf(text: str, title: str) -> bytes:
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({title}) /Author (Ada Okafor) >>".encode(),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_pdf_text_and_metadata() -> None:
    body = tiny_pdf("Dam safety report for the county", "County Dam Report")
    article = extract_article(body, url="https://x.example/a.pdf", content_type="application/pdf")
    assert article.kind == "pdf"
    assert (article.title, article.authors) == ("County Dam Report", ["Ada Okafor"])
    assert article.text == "Dam safety report for the county"
    # Served with a wrong type, a PDF is still a PDF.
    assert kind_of("application/octet-stream", body) == "pdf"


def test_html_article() -> None:
    paragraph = "<p>The harbour road closed on Monday after the storm washed out a culvert.</p>"
    html = (
        "<html lang='en-GB'><head><title>Harbour Road Closed | Coastal Weekly</title>"
        "<meta name='author' content='Ada Okafor'></head><body><article><h1>Harbour Road "
        f"Closed</h1>{paragraph * 5}</article></body></html>"
    ).encode()
    article = extract_article(html, url="https://x.example/a.html", content_type="text/html")
    assert article.kind == "html" and article.language == "en-gb"
    assert "washed out a culvert" in (article.text or "")
    assert article.authors == ["Ada Okafor"]


def test_broken_bodies_do_not_raise() -> None:
    assert (
        extract_article(b"%PDF-1.4 garbage", url="u", content_type="application/pdf").text is None
    )
    assert extract_article(b"\x00\xff", url="u", content_type="image/png").kind == "other"
