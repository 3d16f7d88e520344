"""List-page adapters, one per CMS shape, and how to pick one for a response.

>>> adapter = adapter_for(response, hint=unit.cms)      # hint: registry ``cms`` (trs, hanweb, …, auto)
>>> page = adapter.parse_list(response)                 # ListPage(entries, next_requests, columns, needs_browser)

Requests an adapter builds carry ``meta["adapter"]`` (its name), which :func:`adapter_for` obeys
first: a Hanweb dataproxy.jsp answer or a JSON API answer is parsed by the adapter that asked.
"""

from __future__ import annotations

from scrapy.http import Response

from .base import (
    DEFAULT_MAX_PAGES,
    META_ADAPTER,
    META_KIND,
    META_MAX,
    META_PAGE,
    META_SEEN,
    Adapter,
    Entry,
    ListPage,
    meta_of,
)
from .captured import CapturedApiAdapter
from .epoint import EpointAdapter
from .generic import GenericAdapter
from .gkmlpt import GkmlptAdapter
from .hanweb import HanwebAdapter
from .jpaas import JpaasAdapter
from .json_api import JsonApiAdapter, is_json
from .lonsun import LonsunAdapter
from .query import QueryAdapter
from .trs import TrsAdapter
from .trs_table import TrsTableAdapter
from .truecms import TruecmsAdapter
from .vsb import VsbAdapter

# Detection order: the most specific markers first (a Hanweb page may also link TRS-like URLs; the
# platform families name their API in the page, which the JSON adapter would take for a generic one).
ADAPTERS: list[Adapter] = [
    GkmlptAdapter(), JpaasAdapter(), TruecmsAdapter(), EpointAdapter(), LonsunAdapter(),
    HanwebAdapter(), VsbAdapter(), TrsTableAdapter(), TrsAdapter(), QueryAdapter(), JsonApiAdapter(),
]
GENERIC: Adapter = GenericAdapter()
BY_NAME: dict[str, Adapter] = {a.name: a for a in [*ADAPTERS, GENERIC]}

# answers of an API call captured while rendering a list (spiders.render): only ever asked by name
BY_NAME[CapturedApiAdapter.name] = CapturedApiAdapter()


def adapter_for(response: Response, hint: str | None = None) -> Adapter:
    """The adapter for a list response.

    The adapter that built the request (``meta["adapter"]``) wins; a JSON answer goes to the JSON
    adapter; then the registry's ``cms`` hint
    when an adapter of that family matches the page (``trs`` covers ``trs`` and ``trs_table``); then
    detection over :data:`ADAPTERS`; then the generic adapter.
    """
    asked = meta_of(response).get(META_ADAPTER)
    if asked in BY_NAME:
        return BY_NAME[asked]
    if is_json(response):  # an API answer, whatever the registry says about the site's pages
        return BY_NAME["json"]
    if hint and hint != "auto":
        family = [a for a in ADAPTERS if a.name == hint or a.name.startswith(hint + "_")]
        for adapter in family:
            if adapter.matches(response):
                return adapter
    for adapter in ADAPTERS:
        if adapter.matches(response):
            return adapter
    return GENERIC


__all__ = [
    "ADAPTERS", "BY_NAME", "DEFAULT_MAX_PAGES", "GENERIC", "META_ADAPTER", "META_KIND", "META_MAX", "META_PAGE",
    "META_SEEN", "Adapter", "Entry", "ListPage", "adapter_for",
]
