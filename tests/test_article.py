"""Article pages: metadata, attachments and body checks, per CMS shape; date normalisation."""

import pytest

from pages.article import parse_article
from pages.text import iso_date

from .utils import FIXTURES, REAL_PAGES, file_response

REAL_URL = "http://hdzfxxgk.hd.gov.cn/gszbm/auto23716/202008/t20200802_1352104.html"
TRS_URL = "http://www.wuzhi.gov.cn/zwgk/zfxxgk/zfxxgknb/202301/t20230130_2698801.html"
HANWEB_URL = "http://www.zjcx.gov.cn/art/2023/1/28/art_33718_11828093.html"
VSB_URL = "http://www.ruyang.gov.cn/info/1025/61288.htm"
PLAIN_URL = "http://www.qinyang.gov.cn/iContent.jsp?node_id=12&cat_id=34&content_id=54931"


@pytest.fixture(scope="module")
def real():
    return parse_article(file_response(REAL_PAGES / "kevin3691_renmin__details.jsp", REAL_URL))


@pytest.fixture(scope="module")
def trs():
    return parse_article(file_response(FIXTURES / "trs" / "article.html", TRS_URL))


@pytest.fixture(scope="module")
def hanweb():
    return parse_article(file_response(FIXTURES / "hanweb" / "art.html", HANWEB_URL))


@pytest.fixture(scope="module")
def vsb():
    return parse_article(file_response(FIXTURES / "vsb" / "info_61288.htm", VSB_URL))


@pytest.fixture(scope="module")
def plain():
    return parse_article(file_response(FIXTURES / "generic" / "article_plain.html", PLAIN_URL))


# --- the real TRS xxgk article page ---------------------------------------------------------------

def test_real_title(real):
    assert real.title == "邯郸市教育局关于印发《全市教育系统安全专项整治三年行动实施方案》的通知"


def test_real_published(real):
    assert real.published == "2020-08-02"


def test_real_publisher(real):
    assert real.publisher == "邯郸市教育局"


def test_real_index_no(real):
    assert real.index_no == "000014348/2020-35147"


def test_real_site_badge_is_not_an_attachment(real):
    assert real.attachments == []


# --- TRS ------------------------------------------------------------------------------------------

def test_trs_metadata(trs):
    assert (trs.title, trs.published, trs.publisher) == (
        "武陟县人民政府办公室2022年政府信息公开工作年度报告", "2023-01-30", "武陟县人民政府办公室")


def test_trs_index_no_with_spaced_label(trs):
    assert trs.index_no == "11410823005465129X/2023-00012"


def test_trs_attachments(trs):
    assert [(a.url, a.name, a.needs_referer) for a in trs.attachments] == [
        ("http://www.wuzhi.gov.cn/zwgk/zfxxgk/zfxxgknb/202301/P020230130587791234567.pdf",
         "武陟县人民政府办公室2022年政府信息公开工作年度报告.pdf", False),
        ("http://www.wuzhi.gov.cn/zwgk/zfxxgk/zfxxgknb/202301/W020230130587712345678.png", "表二主动公开情况", False),
        ("http://www.wuzhi.gov.cn/zwgk/zfxxgk/zfxxgknb/202301/P020230130588012345678.docx",
         "2022年度政府信息公开工作年度报告统计表.docx", False),
    ]


def test_trs_related_files_sidebar_is_not_an_attachment(trs):
    assert not any("P020220128412345678901" in a.url for a in trs.attachments)


def test_trs_report_table_in_body(trs):
    assert trs.has_report_table
    assert "本年新收政府信息公开申请数量" in trs.body_html


def test_trs_body_does_not_point_to_attachments(trs):
    assert not trs.says_see_attachment


# --- Hanweb ---------------------------------------------------------------------------------------

def test_hanweb_metadata(hanweb):
    assert (hanweb.title, hanweb.published, hanweb.publisher, hanweb.index_no) == (
        "雉城街道办事处2022年度政府信息公开工作年度报告", "2023-01-28", "雉城街道办事处", "002601234/2023-00017")


def test_hanweb_attachment_names_from_showname(hanweb):
    names = [a.name for a in hanweb.attachments]
    assert names[:2] == ["雉城街道办事处2022年度政府信息公开工作年度报告.pdf", "统计表.xlsx"]
    assert hanweb.attachments[0].url.startswith(
        "http://www.zjcx.gov.cn/module/download/downfile.jsp?classid=0&filename=9f86d081884c7d659a2feaa0c55ad015.pdf")


def test_hanweb_content_image_but_not_file_icon(hanweb):
    images = [a.url for a in hanweb.attachments if a.url.endswith((".jpg", ".png"))]
    assert images == ["http://www.zjcx.gov.cn/picture/0/2301281015293127.jpg"]


def test_hanweb_says_see_attachment(hanweb):
    assert hanweb.says_see_attachment
    assert not hanweb.has_report_table


# --- VSB ------------------------------------------------------------------------------------------

def test_vsb_title_from_heading(vsb):
    assert vsb.title == "城关镇2022年政府信息公开工作年度报告"


def test_vsb_published_from_time_line(vsb):
    assert vsb.published == "2023-01-31"


def test_vsb_empty_source_is_no_publisher(vsb):
    assert vsb.publisher is None


def test_vsb_attachments_need_referer(vsb):
    files = [a for a in vsb.attachments if "download.jsp" in a.url]
    assert [(a.name, a.needs_referer) for a in files] == [
        ("城关镇2022年政府信息公开工作年度报告.pdf", True),
        ("城关镇2022年政府信息公开工作年度报告.wps", True),
    ]
    assert files[0].url == ("http://www.ruyang.gov.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl"
                            "&owner=1481609063&wbfileid=12066783")


def test_vsb_content_image(vsb):
    assert [a.url for a in vsb.attachments if not a.needs_referer] == [
        "http://www.ruyang.gov.cn/__local/9/2A/3C/5F1E8D7B4C2A9E0D3B6F1A2C4E8_A1B2C3D4_2E7F1.jpg?e=.jpg"]


# --- a plain GB2312 page: generic labels, every attachment kind --------------------------------------

def test_plain_metadata(plain):
    assert (plain.title, plain.published, plain.publisher) == (
        "西向镇2022年政府信息公开工作年度报告", "2023-01-29", "西向镇人民政府")


def test_plain_attachments(plain):
    assert [(a.url.rsplit("/", 1)[-1], a.name) for a in plain.attachments] == [
        ("20230129103512345.docx", "西向镇2022年政府信息公开工作年度报告.docx"),
        ("20230129103512399.wps", "西向镇2022年政府信息公开工作年度报告（WPS版）"),
        ("20230129103512411.xls", "统计表.xls"),
        ("nb_scan.zip", "扫描件打包下载"),
        ("20230129103600001.jpg", "年报第1页"),
        ("20230129103600002.png", "20230129103600002.png"),
    ]


def test_plain_banner_is_not_an_attachment(plain):
    assert not any("banner" in a.url for a in plain.attachments)


def test_plain_says_see_attachment(plain):
    assert plain.says_see_attachment


# --- dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, iso", [
    ("2023-01-31", "2023-01-31"),
    ("2023/1/31", "2023-01-31"),
    ("2023年1月31日", "2023-01-31"),
    ("2020年08月02日", "2020-08-02"),
    ("发布时间：2023-01-30 16:42", "2023-01-30"),
    ("２０２３年１月３１日", "2023-01-31"),
    ("[2023.01.31]", "2023-01-31"),
    ("000014348/2020-35147", None),
    ("01-31", None),
    ("", None),
])
def test_iso_date(text, iso):
    assert iso_date(text) == iso


CONTENT_CASES = [
    '<div class="TRS_Editor"></div><div id="zoom"><p>正文</p></div><div class="TRS_Editor">x</div>',
    '<div class="main content"><p>a</p></div><div id="vsb_content_2"><table><tr><td>1</td></tr></table></div>',
    '<div class=" article_content  x"><p>b</p></div><article><p>c</p></article>',
    '<article><p>c</p></article><div class="contentx"><p>d</p></div>',
    '<div><meta name="ContentStart"><p>e</p></div><div class="TRS_Editor">f</div>',
    '<div class="trs_editor_view"><a href="a.pdf"></a></div><div id="UCAP-CONTENT">g</div>',
    '<div id="Content"></div><div class="bt_content">h</div><div class="v_news_content">i</div>',
]


@pytest.mark.parametrize("html", CONTENT_CASES + ["FILES"])
def test_content_area_ranking_equals_the_xpath_order(html):
    """The one-pass content finder picks what evaluating CONTENT_SELECTORS in order would pick."""
    from lxml import etree
    from parsel import Selector

    from pages.article import CONTENT_SELECTORS, _content_root

    def by_xpath(root):
        for xpath in CONTENT_SELECTORS:
            for found in root.xpath(xpath):
                if "".join(found.itertext()).strip() or found.xpath(".//img|.//table|.//a"):
                    return found
        return None

    pages = [f.read_bytes().decode("utf-8", "replace") for f in sorted(FIXTURES.rglob("*.htm*"))] \
        if html == "FILES" else [f"<html><body>{html}</body></html>"]
    assert pages
    for page in pages:
        root = Selector(text=page).root
        expected = by_xpath(root)
        assert _content_root(root) is expected, etree.tostring(expected)[:200] if expected is not None else None


@pytest.mark.parametrize("path,url", [
    (FIXTURES / "trs" / "article.html", TRS_URL),
    (FIXTURES / "hanweb" / "art.html", HANWEB_URL),
    (FIXTURES / "vsb" / "info_61288.htm", VSB_URL),
    (FIXTURES / "generic" / "article_plain.html", PLAIN_URL),
    (REAL_PAGES / "kevin3691_renmin__details.jsp", REAL_URL),
])
def test_crawl_reads_the_same_attachments_as_the_full_article(path, url):
    """The crawl's quick read of an article (links only) finds what the parse stage's full read finds."""
    from pages.article import attachment_links

    full = [(a.url, a.name) for a in parse_article(file_response(path, url)).attachments]
    quick = [(a.url, a.name) for a in attachment_links(file_response(path, url))]
    assert quick == full
    if path.parent.name in ("hanweb", "vsb"):
        assert full, "these fixtures link their report as an attachment"


def test_pages_without_file_links_are_not_read_for_attachments_but_others_are():
    """The byte-level hint that lets the crawl skip parsing a page without files: it must never
    skip a page that has one (an extension, a download script, an image, an encoded dot)."""
    from scrapy.http import HtmlResponse

    from pages.article import attachment_links

    def links(html: str, encoding: str = "utf-8") -> list[str]:
        body = f"<html><body><div id='zoom'>{html}</div></body></html>".encode(encoding)
        return [a.url for a in attachment_links(HtmlResponse("http://x.gov.cn/a/t1.html", body=body, encoding=encoding))]

    assert links("<p>表三 本年新收政府信息公开申请数量</p>") == []
    assert links("<a href='P0.PDF'>附件</a>") == ["http://x.gov.cn/a/P0.PDF"]
    assert links("<a href='/module/download/downfile.jsp?filename=1'>年报</a>") == [
        "http://x.gov.cn/module/download/downfile.jsp?filename=1"]
    assert links("<a href='nb%2Edocx'>年报</a>") == ["http://x.gov.cn/a/nb%2Edocx"]
    assert links("<img src='scan1.jpg' width='800'>") == ["http://x.gov.cn/a/scan1.jpg"]
    assert links("<a href='年报.pdf'>年报</a>", "gbk") == ["http://x.gov.cn/a/年报.pdf"]
    assert links("<a href='nb.pdf'>年报</a>", "utf-16") == ["http://x.gov.cn/a/nb.pdf"]


def test_decoding_a_response_twice_keeps_no_response_alive():
    import gc
    import weakref

    from scrapy.http import HtmlResponse

    from pages.text import decoded

    response = HtmlResponse("http://x.gov.cn/", body="<html><meta charset='utf-8'>年报</html>".encode(), encoding="utf-8")
    assert decoded(response) is decoded(response) is response
    ref = weakref.ref(response)
    del response
    gc.collect()
    assert ref() is None
