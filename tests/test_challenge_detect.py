"""Challenge detection (crawler.challenge) and the file-type check (crawler.filetype) on answers of the
shapes real portals give — vendors' markup this project's demo does not use, and pages that only look
alike (a list page with analytics cookies, a single-page app's shell, a normal redirect)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from crawler.challenge import detect
from crawler.filetype import actual_kind, mismatch

JSL_521 = (b"<script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')+('a')"
           b"+('n')+('c')+('e')+('_')+('s')+('=')+(+!+[]+'')+('6')+('9')+'|-1|'+';max-age=3600;path=/';"
           b"location.href=location.pathname+location.search</script>")
RUISHU_412 = (b'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
              b'<meta id="9DhefwqGPrzGxEp9hPaoag" content="Xx0cv..."><script type="text/javascript" '
              b'charset="utf-8" src="/4QbVtADbnLVIc/c.FxJzG50F.dfe1675.js"></script>'
              b'<script type="text/javascript">$_ts=window[\'$_ts\'];if(!$_ts)$_ts={};$_ts.nsd=12345;'
              b'$_ts.cd="qE9rrAAlEq";</script></head><body></body></html>')
C3VK_SHELL = (b'<html><head><meta charset="utf-8"></head><body><script>var x="c3vk=4f2a91e0";'
              b'document.cookie = "C3VK=" + x.split("=")[1] + "; path=/; max-age=300";'
              b'window.location.replace(window.location.href);</script></body></html>')
PLEASE_ENABLE_JS = ('<html><head><title></title></head><body><p style="text-align:center">请开启JavaScript并刷新该页</p>'
                    '<script src="/waf_verify.js"></script></body></html>').encode()
SPA_SHELL = (b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>\xe6\x94\xbf\xe5\xba\x9c\xe4\xbf\xa1\xe6\x81'
             b'\xaf\xe5\x85\xac\xe5\xbc\x80</title><script>window._CONFIG={SITE_ID:"2001"};</script>'
             b'<script src="/static/js/app.3f9a.js"></script></head><body><div id="app"></div>'
             + "<noscript>请开启JavaScript后浏览本站</noscript>".encode() + b"</body></html>")
LIST_PAGE = ("<html><head><title>政府信息公开年报</title><script>document.cookie='_gscu_1=abc;path=/';"
             "var _hmt=_hmt||[];</script></head><body><ul>"
             + "".join(f'<li><a href="./2023{i:02d}/t2023{i:02d}01_{i}.html">某县{2010 + i}年政府信息公开工作年度报告</a>'
                       f"<span>2023-{i:02d}-01</span></li>" for i in range(1, 12))
             + "</ul><script>if(top!=self){top.location.href=self.location.href}</script></body></html>").encode()


@pytest.mark.parametrize("status, body, kind", [
    (521, JSL_521, "status"),
    (412, RUISHU_412, "status"),
    (202, RUISHU_412, "status"),
    (200, C3VK_SHELL, "cookie_script"),
    (200, PLEASE_ENABLE_JS, "script_required"),
    (403, C3VK_SHELL, "status"),
])
def test_challenges_of_every_vendor_are_recognised(status, body, kind):
    assert detect(status, body, content_type="text/html") == kind


@pytest.mark.parametrize("status, body", [
    (200, LIST_PAGE),      # a real list that sets an analytics cookie and breaks out of frames
    (200, SPA_SHELL),      # a single-page app asks for JavaScript only inside <noscript>: rendering, not a challenge
    (412, b"<html><body><h1>412 Precondition Failed</h1></body></html>"),  # no script: a plain refusal
    (403, b"<html><body>Forbidden</body></html>"),
    (404, C3VK_SHELL),
    (200, b"%PDF-1.7\n" + b"x" * 100),
])
def test_pages_that_only_look_alike_are_answers(status, body):
    assert detect(status, body, content_type="text/html" if body[:1] == b"<" else "application/pdf") is None


def test_a_redirect_to_itself_with_a_cookie_is_a_challenge_and_other_redirects_are_not():
    url = "http://gov.example/xxgk/index.html?id=3"
    assert detect(302, b"", url=url, location="/xxgk/index.html?id=3", sets_cookie=True) == "cookie_redirect"
    assert detect(302, b"", url=url, location=url + "#top", sets_cookie=True) == "cookie_redirect"
    assert detect(302, b"", url=url, location="/xxgk/index.html?id=3", sets_cookie=False) is None
    assert detect(302, b"", url=url, location="/login.jsp", sets_cookie=True) is None


VIEWER = (b'<!DOCTYPE html><html><head></head><body style="height: 100%; width: 100%; overflow: hidden; margin:0px; '
          b'background-color: rgb(38, 38, 38);"><embed name="A1B2" style="position:absolute; left: 0; top: 0;" '
          b'width="100%" height="100%" src="about:blank" type="application/pdf" internalid="A1B2"></body></html>')


def test_a_viewer_page_claimed_as_pdf_is_a_mismatch_with_a_reason():
    why = mismatch(VIEWER, "http://gov.example/zfxxgk/202401/P020240112.pdf", "2023年年报.pdf", "application/pdf")
    assert why and "PDF" in why and "HTML" in why and f"{len(VIEWER)} 字节" in why
    # by Content-Type alone (a download script), and by the shown name alone
    assert mismatch(VIEWER, "http://gov.example/down.jsp?id=7", None, "application/pdf")
    assert mismatch(b"", "http://gov.example/down.jsp?id=7", "年报.docx", "application/octet-stream")
    login = "<html><head><title>用户登录</title></head><body>请登录</body></html>".encode()
    assert "用户登录" in mismatch(login, "http://gov.example/a/P0.doc", None, "text/html")


def _documents() -> dict[str, bytes]:
    """Small documents of each binary kind, built with the standard library (the signatures are real)."""
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return {"pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "docx": docx.getvalue(),
            "doc": bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504), "rtf": b"{\\rtf1\\ansi \\par}",
            "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)}


def test_real_documents_pass_whatever_their_names_say():
    for ext, body in _documents().items():
        assert actual_kind(body) in ("pdf", "zip", "ole", "rtf", "image"), ext
        assert mismatch(body, f"http://gov.example/P0.{ext}", f"年报.{ext}", "application/octet-stream") is None
        # sites lie about names harmlessly: a .doc that is DOCX, a PDF served as text/html, a scan named .pdf
        assert mismatch(body, "http://gov.example/file.doc", None, "text/html") is None
        assert mismatch(body, "http://gov.example/file.pdf", None, "application/pdf") is None
    word_html = (b'<html xmlns:w="urn:schemas-microsoft-com:office:word"><head><meta name=Generator '
                 b'content="Microsoft Word 15"></head><body><table><tr><td>1</td></tr></table></body></html>')
    assert mismatch(word_html, "http://gov.example/nb.doc", "年报.doc", "application/msword") is None
    # a page is a page: HTML under an .html name is never a mismatch
    assert mismatch(LIST_PAGE, "http://gov.example/t2023_1.html", None, "application/octet-stream") is None
    assert mismatch(Path(__file__).read_bytes(), "http://gov.example/notes.txt", None, "text/plain") is None
