"""Passing a challenge once in Chromium and handing its cookies to plain HTTP.

:func:`solve` opens the challenged address in a fresh browser context (the crawl's own User-Agent, so a
clearance bound to it stays valid), lets the page's scripts run, reload and redirect until an answer
that is not a challenge arrives, and returns the cookies the context earned. :func:`to_cookiejar`
turns them into ``http.cookiejar`` cookies for Scrapy's jar: the rest of the host is fetched without
the browser. :func:`fetch_bytes` downloads a file through a browser context's request API (its cookies,
the page as Referer) so that a file is its bytes, never the browser's viewer page; :func:`navigate_bytes`
takes them from a tab's own navigation when only the browser's requests pass.
"""

from __future__ import annotations

import asyncio
import base64
import http.cookiejar
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from .challenge import detect

log = logging.getLogger(__name__)
MAX_ROUNDS = 6  # challenge answers one visit may take (加速乐 needs three); then it has failed


@dataclass
class Solved:
    """What one browser visit to a challenged address achieved."""

    ok: bool
    cookies: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""  # why not, in Chinese, when not ok
    seconds: float = 0.0
    status: int | None = None  # the last answer's status
    response: Any = None  # the last answer (a Playwright Response), when there was one
    download: Any = None  # the Playwright Download, when the address answered with a file to save


async def _answer_is_challenge(page, response) -> bool:
    headers = await response.all_headers()
    ctype = headers.get("content-type", "")
    body = b""
    if "html" in ctype or not ctype:
        try:
            body = (await page.content()).encode("utf-8")
        except Exception:  # the page is navigating again (a reload): not settled yet
            return True
    return detect(response.status, body, content_type=ctype, url=response.url) is not None


async def settle(page, url: str, *, timeout: float, referer: str | None = None) -> Solved:
    """Open ``url`` in ``page`` and wait until its main frame shows an answer that is no challenge."""
    started = time.monotonic()
    answers: list[Any] = []

    def on_response(response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == page.main_frame and not 300 <= response.status < 400:
            answers.append(response)

    downloads: list[Any] = []

    def on_download(download) -> None:
        downloads.append(download)

    page.on("response", on_response)
    page.on("download", on_download)
    try:
        try:
            await page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000, referer=referer)
        except Exception as exc:  # a file answers with a download: the address was reached
            if "Download is starting" not in str(exc) and "ERR_ABORTED" not in str(exc):
                return Solved(False, reason=f"浏览器无法打开该页：{str(exc).splitlines()[0][:120]}",
                              seconds=time.monotonic() - started)
        seen = 0
        while time.monotonic() - started < timeout:
            if len(answers) > MAX_ROUNDS:
                break  # a challenge that answers itself again and again: stop asking (politeness)
            if len(answers) > seen:
                seen = len(answers)
                await asyncio.sleep(0.3)  # a challenge script reloads right after load: give it the chance
                continue
            try:
                await page.wait_for_load_state("load", timeout=max(1.0, timeout - (time.monotonic() - started)) * 1000)
            except Exception:
                pass
            if downloads:
                return Solved(True, status=200, download=downloads[-1], seconds=time.monotonic() - started)
            if answers and len(answers) == seen:
                last = answers[-1]
                if not await _answer_is_challenge(page, last):
                    return Solved(True, status=last.status, response=last, seconds=time.monotonic() - started)
            await asyncio.sleep(0.25)
        last = answers[-1] if answers else None
        why = (f"质询页连续出现 {len(answers)} 次" if len(answers) > MAX_ROUNDS
               else f"浏览器运行质询脚本 {timeout:.0f} 秒后仍未通过")
        return Solved(False, status=last.status if last else None, seconds=time.monotonic() - started,
                      reason=why + (f"（HTTP {last.status}）" if last is not None else ""))
    finally:
        page.remove_listener("response", on_response)
        page.remove_listener("download", on_download)


async def solve(new_context, url: str, *, user_agent: str | None, timeout: float = 30.0) -> Solved:
    """Pass the challenge at ``url`` in a fresh context from ``new_context(**kwargs)``; return its cookies."""
    kwargs: dict[str, Any] = {"ignore_https_errors": True, "accept_downloads": True}
    if user_agent:
        kwargs["user_agent"] = user_agent
    context = await new_context(**kwargs)
    try:
        page = await context.new_page()
        result = await settle(page, url, timeout=timeout)
        result.cookies = await context.cookies()
        return result
    finally:
        await context.close()


def to_cookiejar(cookies: list[dict[str, Any]]) -> list[http.cookiejar.Cookie]:
    """Playwright's cookies (``context.cookies()``) as ``http.cookiejar`` cookies."""
    out = []
    for c in cookies:
        domain = c.get("domain") or ""
        expires = c.get("expires")
        out.append(http.cookiejar.Cookie(
            version=0, name=c["name"], value=c.get("value", ""), port=None, port_specified=False,
            domain=domain, domain_specified=domain.startswith("."), domain_initial_dot=domain.startswith("."),
            path=c.get("path") or "/", path_specified=True, secure=bool(c.get("secure")),
            expires=int(expires) if expires and expires > 0 else None, discard=not (expires and expires > 0),
            comment=None, comment_url=None, rest={"HttpOnly": ""} if c.get("httpOnly") else {}))
    return out


async def fetch_bytes(context, url: str, *, referer: str | None, user_agent: str | None,
                      timeout: float = 45.0) -> tuple[int, dict[str, str], bytes, str]:
    """(status, headers, body, final url) of ``url`` fetched with the context's cookies and request API."""
    headers = {}
    if referer:
        headers["Referer"] = referer
    if user_agent:
        headers["User-Agent"] = user_agent
    response = await context.request.get(url, headers=headers, timeout=timeout * 1000, max_redirects=10)
    try:
        return response.status, await _headers(response), await response.body(), response.url
    finally:
        await response.dispose()


async def navigate_bytes(context, url: str, *, referer: str | None,
                         timeout: float = 45.0) -> tuple[int, dict[str, str], bytes, str] | None:
    """(status, headers, body, final url) of ``url`` opened in a tab — its challenge passed there, the page as
    Referer, the browser's own request — as the network's bytes, taken at the response stage through the
    DevTools protocol before Chromium's PDF viewer replaces them. None when no answer came."""
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    answers: list[tuple[int, dict[str, str], bytes, str]] = []

    async def paused(event: dict) -> None:
        rid = event["requestId"]
        try:
            if event.get("responseStatusCode") is not None and event.get("resourceType") == "Document":
                got = await cdp.send("Fetch.getResponseBody", {"requestId": rid})
                body = base64.b64decode(got["body"]) if got.get("base64Encoded") else got["body"].encode("utf-8")
                headers = {h["name"].lower(): h["value"] for h in event.get("responseHeaders") or []}
                answers.append((event["responseStatusCode"], headers, body, event["request"]["url"]))
        except Exception as exc:  # a redirect has no body
            log.debug("no body for %s: %s", event["request"]["url"], exc)
        finally:
            try:
                await cdp.send("Fetch.continueRequest", {"requestId": rid})
            except Exception:
                pass

    cdp.on("Fetch.requestPaused", lambda event: asyncio.ensure_future(paused(event)))
    try:
        await cdp.send("Fetch.enable", {"patterns": [{"urlPattern": "*", "resourceType": "Document",
                                                      "requestStage": "Response"}]})
        await settle(page, url, timeout=timeout, referer=referer)
        good = [a for a in answers if not detect(a[0], a[2], content_type=a[1].get("content-type", ""), url=a[3])]
        return (good or answers or [None])[-1]
    except Exception as exc:  # the caller keeps what it had (and the type check reports it)
        log.info("browser navigation for %s gave no bytes: %s", url, exc)
        return answers[-1] if answers else None
    finally:
        await page.close()


async def _headers(response) -> dict[str, str]:
    try:
        return {h["name"]: h["value"] for h in response.headers_array}
    except Exception:
        return dict(response.headers)
