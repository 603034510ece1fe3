from __future__ import annotations

import pytest

from core.pdf import FetchRefused, RestrictedFetcher, render_pdf


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:8000/app/",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        "portal-static:/../../etc/passwd",
    ],
)
def test_fetcher_refuses_files_and_network(url):
    with pytest.raises(FetchRefused):
        RestrictedFetcher().fetch(url)


def test_fetcher_allows_data_and_our_static_files():
    assert RestrictedFetcher().fetch("data:text/plain;base64,aGk=").read() == b"hi"
    css = RestrictedFetcher().fetch("portal-static:/css/portal.css")
    assert b"--surface" in css.read()


def test_pdf_renders_and_leaves_out_what_it_may_not_fetch(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    html = f"""<html><head><link rel=stylesheet href="file://{secret}"></head><body>
      <h1>Index</h1><img src="file://{secret}"><img src="http://169.254.169.254/latest/meta-data">
      <iframe src="file:///etc/passwd"></iframe></body></html>"""
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert b"TOP-SECRET-CONTENT" not in pdf
