"""Finding the 年报 column from a portal's home or 政府信息公开 page, and per-unit sub-columns."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scrapy.http import Response

from pages.text import clean, decoded, is_file_url, is_followable, squeeze
from pages.titles import is_report_title, report_year, unit_score

from .adapters.base import as_directory, base_url, link_title, selector, urljoin
from .adapters.hanweb import ARTICLE as HANWEB_ARTICLE
from .adapters.trs import ARTICLE as TRS_ARTICLE
from .adapters.vsb import ARTICLE as VSB_ARTICLE

# Link texts naming the column: 政府信息公开年报, 政府信息公开工作年度报告, 年度报告, 信息公开年报…
_COLUMN_TEXT = re.compile(r"^(?:政府|政务)?(?:信息)?公开(?:工作)?(?:年度报告|年报)$|^年度报告$|^年报$|^(?:政府|政务)?信息公开年度工作报告$")
# …or URL path segments: /zfxxgknb/, /xxgknb/, /xxgkndbg/, /gknb/, /ndbg/
_COLUMN_PATH = re.compile(r"/(?:zf|zw)?xxgk(?:nb|ndbg)\w*/|/(?:gk|zw|zf)nb\w*/|/ndbg\w*/", re.I)
_ARTICLES = (TRS_ARTICLE, HANWEB_ARTICLE, VSB_ARTICLE, re.compile(r"/content_\d+|/art_\d+|/\d{6,}\.s?html?$"))


def _is_article(url: str) -> bool:
    return any(p.search(url) for p in _ARTICLES) or is_file_url(url)


def _links(response: Response) -> list[tuple[str, str, object]]:
    """(absolute URL without fragment, squeezed link text, the <a>) of every followable link."""
    response = decoded(response)
    sel = selector(response)
    if sel is None:
        return []
    base = base_url(response, sel)
    out = []
    for a in sel.xpath("//a[@href]"):
        href = a.attrib["href"]
        if is_followable(href):
            out.append((urljoin(base, href).split("#", 1)[0], squeeze(link_title(a)), a))
    return out


def find_report_columns(response: Response) -> list[str]:
    """Links to the 政府信息公开年报 / 年度报告 column (not to individual reports), absolute, in page order."""
    out: list[str] = []
    for url, text, _ in _links(response):
        by_text = bool(_COLUMN_TEXT.match(text))
        by_path = bool(_COLUMN_PATH.search(urlsplit(as_directory(url)).path))
        if not (by_text or by_path) or _is_article(url):
            continue
        if is_report_title(text) and report_year(text) is not None:
            continue  # “XX县2022年政府信息公开工作年度报告”: one report, not the column
        if url not in out:
            out.append(url)
    return out


def find_unit_columns(response: Response, unit_names: list[str]) -> dict[str, str]:
    """Per-unit sub-columns (街乡镇, 部门): for each unit name, the best link whose text names it.

    A link text matches a name exactly, or without the kind suffix (木城街道 ~ 木城街道办事处), or with
    a region prefix either side (内乡县岢曲镇 ~ 岢曲镇人民政府); articles and files are not columns.
    """
    best: dict[str, tuple[int, str]] = {}
    for url, _, a in _links(response):
        text = clean(link_title(a))
        if not text or len(text) > 30 or _is_article(url) or url == response.url:
            continue
        for name in unit_names:
            score = unit_score(text, name)
            if score >= 2 and (name not in best or score > best[name][0]):
                best[name] = (score, url)
    return {name: best[name][1] for name in unit_names if name in best}


_DISCLOSURE_TEXT = re.compile(r"^(?:政府|政务)?信息公开(?:专栏|平台|目录)?$|^政务公开$|^法定主动公开内容$")
_DISCLOSURE_PATH = re.compile(r"/(?:zf|zw)?xxgk(?:\.s?html?|\.htm|/)?$|/zwgk/?$", re.I)


def find_disclosure_pages(response: Response) -> list[str]:
    """Links to the 政府信息公开 section (where the 年报 column usually hangs), absolute, in page order."""
    out: list[str] = []
    for url, text, _ in _links(response):
        if _is_article(url) or url == response.url:
            continue
        if (_DISCLOSURE_TEXT.match(text) or _DISCLOSURE_PATH.search(urlsplit(url).path)) and url not in out:
            out.append(url)
    return out
