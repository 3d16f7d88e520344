"""The challenge middleware: a host's anti-bot challenge is passed once in Chromium, the rest is plain HTTP.

Every plain answer is looked at by :func:`crawler.challenge.detect_response`. The first challenge met on
a host is passed in a fresh browser context (:func:`crawler.solver.solve`) while that host's other
challenged requests wait for it; the cookies it earned go into Scrapy's cookie jar and the challenged
requests are asked again over plain HTTP — as is everything else on the host (pages and files alike,
with conditional GET, at HTTP speed). When a challenge comes back after plain requests had passed (the
cookie expired), it is passed again, at most ``NIANBAO_CHALLENGE_SOLVES_PER_HOST`` times per crawl.

When the earned cookies do not pass over plain HTTP (a clearance bound to the browser itself), only the
requests that are challenged go through the browser (pages rendered, files downloaded as bytes by the
download handler) — never the host's unchallenged paths (another portal on the same host), never another
host. A challenge the browser cannot pass either ends the request as ``blocked`` (:class:`ChallengeBlocked`):
the site refused us, which the alerts report to operators, and which is never read as "missing".
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.httpobj import urlparse_cached

from .challenge import CHALLENGE_STATUS, KIND_NAMES, detect, detect_response
from .solver import solve, to_cookiejar

log = logging.getLogger(__name__)

COOKIE_REDIRECT_RETRIES = 2  # a 302-to-self with Set-Cookie is first answered with the jar alone
MAX_ATTEMPTS = 4  # plain retries of one request after solves (each waits for a solve or a newer cookie)


class ChallengeBlocked(IgnoreRequest):
    """A challenge that could not be passed: the request's outcome is ``blocked`` (with the reason)."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass
class HostGate:
    """One host's challenge state for the crawl."""

    solves: int = 0  # browser solves this crawl
    generation: int = 0  # bumped by every solve: a request sent before it may simply be asked again
    plain_passed: int = 0  # plain answers that were no challenge since the last solve
    solving: asyncio.Future | None = None
    browser_only: bool = False  # its cookies do not pass over plain HTTP: challenged requests use the browser
    blocked: str | None = None  # why the host's challenge cannot be passed


class ChallengeMiddleware:
    """Detects challenges on plain answers, solves them once per host, retries over plain HTTP."""

    def __init__(self, crawler=None):
        self.crawler = crawler
        settings = crawler.settings if crawler is not None else {}
        self.cap = int(settings.get("NIANBAO_CHALLENGE_SOLVES_PER_HOST", 3))
        self.timeout = float(settings.get("NIANBAO_CHALLENGE_TIMEOUT", 30))
        self.user_agent = settings.get("USER_AGENT") if crawler is not None else None
        self.hosts: dict[str, HostGate] = {}
        # browser solves at once, whatever the number of challenged hosts (each is a context and a tab)
        self.slots = asyncio.Semaphore(int(settings.get("PLAYWRIGHT_MAX_CONTEXTS") or 2))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # ------------------------------------------------------------ requests
    async def process_request(self, request: Request, spider=None):
        gate = self.hosts.get(urlparse_cached(request).hostname or "")
        if gate is not None:
            if gate.solving is not None and not request.meta.get("playwright"):
                await asyncio.shield(gate.solving)  # not one more challenged request while the browser solves
            request.meta["challenge_gen"] = gate.generation  # which cookies this request is sent with
        return None

    # ------------------------------------------------------------ answers
    async def process_response(self, request: Request, response: Response, spider=None):
        host = urlparse_cached(request).hostname or ""
        if request.meta.get("playwright"):
            return self._browser_answer(request, response, host)
        kind = detect_response(response)
        gate = self.hosts.get(host)
        if kind is None:
            if gate is not None:
                gate.plain_passed += 1
            return response
        if kind == "cookie_redirect" and request.meta.get("cookie_redirects", 0) < COOKIE_REDIRECT_RETRIES:
            # the jar took the cookie (CookiesMiddleware runs first): ask again with it, no browser
            return self._again(request, cookie_redirects=request.meta.get("cookie_redirects", 0) + 1)
        self._stat(f"nianbao/challenge/{kind}")
        gate = self.hosts.setdefault(host, HostGate())
        attempts = request.meta.get("challenge_attempts", 0)
        if gate.blocked:
            raise ChallengeBlocked(gate.blocked, response.status)
        if gate.browser_only or attempts >= MAX_ATTEMPTS:
            return self._through_browser(request, kind, response)
        if request.meta.get("challenge_gen", 0) < gate.generation:
            return self._again(request, challenge_attempts=attempts + 1)  # solved since it was sent
        if gate.solving is not None:
            await asyncio.shield(gate.solving)
            return self._again(request, challenge_attempts=attempts + 1)
        if gate.generation and not gate.plain_passed:
            # solved, yet not one plain answer passed since: the clearance does not travel to plain HTTP
            log.warning("challenge at %s: the browser's cookies do not pass over plain HTTP; its challenged "
                        "requests go through the browser", host)
            gate.browser_only = True
            self._stat("nianbao/challenge/browser_only_hosts")
            return self._through_browser(request, kind, response)
        if gate.solves >= self.cap:
            gate.blocked = f"人机验证（{KIND_NAMES.get(kind, kind)}）本次抓取已通过 {gate.solves} 次又再出现，达到上限"
            raise ChallengeBlocked(gate.blocked, response.status)
        await self._solve(gate, host, request.url, kind)
        if gate.blocked:
            raise ChallengeBlocked(gate.blocked, response.status)
        if gate.browser_only:
            return self._through_browser(request, kind, response)
        # the fetch that met the challenge was passed with the browser's help (its fetches row says so)
        return self._again(request, challenge_attempts=attempts + 1, challenge_solved=True)

    async def _solve(self, gate: HostGate, host: str, url: str, kind: str) -> None:
        gate.solving = asyncio.get_running_loop().create_future()
        gate.solves += 1
        try:
            log.info("challenge (%s) at %s: passing it in Chromium (solve %d on this host)", kind, url, gate.solves)
            async with self.slots:
                result = await solve(self._new_context, url, user_agent=self.user_agent, timeout=self.timeout)
            self._stat("nianbao/challenge/solves")
            if not result.ok:
                gate.blocked = f"人机验证（{KIND_NAMES.get(kind, kind)}）未能通过：{result.reason}"
                self._stat("nianbao/challenge/failed")
                log.warning("challenge at %s not passed: %s", url, result.reason)
                return
            if not result.cookies:
                # the browser got through, yet earned nothing plain HTTP could carry: render what is challenged
                log.warning("challenge at %s passed in the browser without cookies: its challenged requests "
                            "go through the browser", host)
                gate.browser_only = True
                return
            self._store_cookies(result.cookies)
            gate.generation += 1
            gate.plain_passed = 0
            log.info("challenge at %s passed in %.1f s; %d cookies go to plain HTTP", host, result.seconds,
                     len(result.cookies))
        except Exception as exc:  # the browser failed to start or crashed: the host is not readable tonight
            gate.blocked = f"人机验证（{KIND_NAMES.get(kind, kind)}）无法用浏览器处理：{type(exc).__name__} {exc}"[:300]
            log.exception("challenge at %s: the browser failed", url)
        finally:
            gate.solving.set_result(None)
            gate.solving = None

    def _browser_answer(self, request: Request, response: Response, host: str) -> Response:
        """A page the browser fetched: it ran the scripts itself, so a rendered challenge means blocked."""
        if not isinstance(response, HtmlResponse):
            return response  # a file's bytes
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        if detect(200, response.body, content_type=ctype, url=response.url):
            reason = f"人机验证在浏览器中也未能通过（HTTP {response.status}）"
            if request.meta.get("challenge_browser"):
                self.hosts.setdefault(host, HostGate()).blocked = reason
            self._stat("nianbao/challenge/failed")
            raise ChallengeBlocked(reason, response.status)
        if response.status in CHALLENGE_STATUS:
            # the status is the challenge's first answer; the content is the page the scripts reloaded to
            return response.replace(status=200)
        return response

    # ------------------------------------------------------------ helpers
    def _again(self, request: Request, **meta) -> Request:
        headers = request.headers.copy()
        headers.pop(b"Cookie", None)  # the jar adds tonight's cookies on the way out
        return request.replace(dont_filter=True, headers=headers, meta={**request.meta, **meta})

    def _through_browser(self, request: Request, kind: str, response: Response) -> Request:
        from .middlewares import browser_meta

        if request.meta.get("challenge_browser"):
            raise ChallengeBlocked(f"人机验证（{KIND_NAMES.get(kind, kind)}）在浏览器中也未能通过", response.status)
        self._stat("nianbao/challenge/browser_requests")
        return self._again(request, challenge_browser=True, **browser_meta())

    def _new_context(self, **kwargs):
        handler = self._handler()
        if handler is None or not hasattr(handler, "new_context"):
            raise RuntimeError("no browser download handler (crawler.handlers.LazyPlaywrightDownloadHandler)")
        return handler.new_context(**kwargs)

    def _handler(self):
        engine = getattr(self.crawler, "engine", None)
        handlers = getattr(getattr(engine, "downloader", None), "handlers", None)
        return handlers._get_handler("http") if handlers is not None else None

    def _store_cookies(self, cookies: list[dict]) -> None:
        """Put the browser's cookies into Scrapy's default cookie jar."""
        from scrapy.downloadermiddlewares.cookies import CookiesMiddleware

        mw = next((m for m in self.crawler.engine.downloader.middleware.middlewares
                   if isinstance(m, CookiesMiddleware)), None)
        if mw is None:
            log.warning("COOKIES_ENABLED is off: a passed challenge's cookies cannot be used")
            return
        jar = mw.jars[None]
        for cookie in to_cookiejar(cookies):
            jar.set_cookie(cookie)

    def _stat(self, key: str) -> None:
        if self.crawler is not None:
            self.crawler.stats.inc_value(key)
