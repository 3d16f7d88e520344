"""Turning a failed request into an outcome a clerk can read (for the ``fetches`` table)."""

from __future__ import annotations

from scrapy import exceptions as scrapy_errors
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

OUTCOMES = {
    "http_error": "服务器返回错误状态",
    "timeout": "连接超时",
    "dns": "域名无法解析",
    "refused": "连接被拒绝",
    "connection_lost": "连接中断（下载不完整）",
    "robots": "robots.txt 禁止抓取",
    "redirect_loop": "重定向次数过多（循环重定向）",
    "too_large": "文件超过下载上限",
    "error": "抓取失败",
}


def _scrapy(name: str) -> tuple[type, ...]:
    """Scrapy ≥ 2.13's own download exceptions, where this Scrapy has them."""
    cls = getattr(scrapy_errors, name, None)
    return (cls,) if isinstance(cls, type) else ()


def describe(failure: Failure) -> tuple[int | None, str, str]:
    """(HTTP status or None, outcome code, Chinese message) for a failed request."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return status, "http_error", f"HTTP {status}"
    if failure.check(TimeoutError, TCPTimedOutError, *_scrapy("DownloadTimeoutError")):
        return None, "timeout", OUTCOMES["timeout"]
    if failure.check(DNSLookupError, *_scrapy("CannotResolveHostError")):
        return None, "dns", OUTCOMES["dns"]
    if failure.check(ConnectionRefusedError, *_scrapy("DownloadConnectionRefusedError")):
        return None, "refused", OUTCOMES["refused"]
    if failure.check(ResponseNeverReceived, ConnectionLost, ResponseFailed, *_scrapy("ResponseDataLossError"),
                     *_scrapy("DownloadFailedError")):
        return None, "connection_lost", OUTCOMES["connection_lost"]
    if failure.check(IgnoreRequest):
        text = str(failure.value)
        if "robots" in text.lower():
            return None, "robots", OUTCOMES["robots"]
        if "redirect" in text.lower():
            return None, "redirect_loop", OUTCOMES["redirect_loop"]
        return None, "error", text or OUTCOMES["error"]
    text = str(failure.value)
    if failure.check(*_scrapy("DownloadCancelledError")) or "maxsize" in text.lower() or "Cancelling download" in text:
        return None, "too_large", OUTCOMES["too_large"]
    return None, "error", f"{OUTCOMES['error']}：{failure.type.__name__} {text}"[:300]
