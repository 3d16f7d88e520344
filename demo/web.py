"""The local demo government web: real HTTP servers on loopback addresses, one per county portal.

    from demo.sites import build_world
    from demo.web import DemoWeb

    with DemoWeb(build_world(), slow_seconds=2) as web:
        web.url("qingyuan", "/zfxxgk/zfxxgknb/")   # http://127.0.1.1:PORT/zfxxgk/zfxxgknb/
        Path("registry.yaml").write_text(web.registry_yaml())
        ...crawl...
        web.expected()          # the reports a correct crawl finds
        web.forbidden()         # list entries that must not be stored as the column unit's report
        web.requests            # every request the sites answered

Each site listens on its own loopback address (127.0.1.N; generated benchmark sites on 127.1.x.y), all on
one port, all served by one aiohttp event loop in a background thread. Every 200 answer carries an ETag
(content hash) and Last-Modified; ``If-None-Match`` / ``If-Modified-Since`` get 304.

``python -m demo.web --registry demo-registry.yaml`` serves the default world until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import hashlib
import resource
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import Callable
from urllib.parse import urlsplit

import yaml
from aiohttp import web

from . import pages
from .answers import HTML_UTF8, Resp, SiteIndex, attachment
from .sites import (
    ExpectedReport,
    ForbiddenItem,
    Site,
    Unit,
    World,
    build_world,
    challenged,
    family,
)
from .sites.obstacles import challenge_answer

__all__ = ["DemoWeb", "RequestRecord", "ExpectedReport", "ForbiddenItem", "build_world"]



@dataclass
class RequestRecord:
    """One request a demo site answered."""

    site: str
    method: str
    path_qs: str
    status: int               # 0: the connection was reset / dropped without an answer
    if_none_match: str | None
    if_modified_since: str | None
    referer: str | None
    cookie: bool              # a Cookie header was sent
    time: float               # when it arrived (time.time())
    user_agent: str | None = None
    duration: float = 0.0     # seconds until the answer was ready (slow sites included)
    browser: bool = False     # sent by Chromium (its Sec-Fetch-* headers), not by Scrapy


def _http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(timezone.utc).replace(microsecond=0), usegmt=True)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


class DemoWeb:
    """The demo web of a :class:`~demo.sites.World`: start, crawl it, compare with :meth:`expected`."""

    def __init__(self, world: World, *, slow_seconds: float = 3.0, port: int = 0, prerender: bool = True,
                 keepalive_timeout: float = 75.0):
        self.world = world
        # aiohttp's default; a benchmark of ~16,000 sites shortens it: each idle keep-alive connection is
        # a file descriptor beside the 16,000 listeners, and the limit (RLIMIT_NOFILE) was reached
        self.keepalive_timeout = keepalive_timeout
        self.slow_seconds = slow_seconds
        self.port = port
        self.prerender = prerender
        self.requests: list[RequestRecord] = []
        self._req_lock = threading.Lock()
        self._by_ip = {s.ip: s for s in world.sites.values()}
        self._index: dict[str, SiteIndex] = {}
        self._down: dict[str, str] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._listeners: dict[str, web.TCPSite] = {}
        self._ready = threading.Event()
        self._error: BaseException | None = None

    # ------------------------------------------------------------ lifecycle
    def start(self) -> "DemoWeb":
        if self._thread is not None:
            return self
        if self.prerender:
            self.world.prerender()
        _raise_nofile(len(self.world.sites) + 1024)
        self._thread = threading.Thread(target=self._run, name="demo-web", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=120)
        if self._error is not None:
            raise RuntimeError(f"demo web failed to start: {self._error}") from self._error
        if not self._ready.is_set():
            raise RuntimeError("demo web did not start within 120 s")
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=30)
        except Exception:  # noqa: BLE001 - stopping is best effort
            pass
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        self._thread = None
        self._loop = None
        self._ready.clear()

    def __enter__(self) -> "DemoWeb":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._setup())
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _setup(self) -> None:
        app = web.Application(client_max_size=1024 ** 2)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0,
                                   keepalive_timeout=self.keepalive_timeout)
        await self._runner.setup()
        sites = list(self.world.sites.values())
        for attempt in range(20):
            port = self.port or _free_port(sites[0].ip)
            try:
                for s in sites:
                    listener = web.TCPSite(self._runner, s.ip, port, reuse_address=True, backlog=512)
                    await listener.start()
                    self._listeners[s.key] = listener
                self.port = port
                return
            except OSError:
                for listener in self._listeners.values():
                    await listener.stop()
                self._listeners.clear()
                if self.port and attempt == 0 and port == self.port:
                    raise
        raise RuntimeError("no port free on every demo address")

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._listeners.clear()

    # ------------------------------------------------------------ addresses and ground truth
    @property
    def running(self) -> bool:
        return self._thread is not None and self._ready.is_set()

    def url(self, site: str, path: str = "/") -> str:
        if not self.port:
            raise RuntimeError("the demo web has no port yet: call start() first")
        return f"http://{self.world.sites[site].ip}:{self.port}{path}"

    def base(self, site: str) -> str:
        return self.url(site, "")

    def site_of(self, url: str) -> str | None:
        """The site key serving ``url`` (by its address)."""
        host = urlsplit(url).hostname
        site = self._by_ip.get(host or "")
        return site.key if site else None

    def expected(self) -> list[ExpectedReport]:
        with self.world.lock:
            return self.world.expected(self.url)

    def forbidden(self) -> list[ForbiddenItem]:
        """List entries a crawl must not store as a report of the column's unit (notices, templates,
        news, foreign units' reports, a registry unit's report misfiled in another unit's column)."""
        with self.world.lock:
            return self.world.forbidden(self.url)

    def missing(self) -> list[tuple[str, int]]:
        """(unit code, year) for 2019–2023 with no report anywhere."""
        with self.world.lock:
            return self.world.missing()

    def unreachable(self) -> list[str]:
        """Units whose every page fails (the failing site)."""
        return self.world.unreachable()

    def column_not_found(self) -> list[str]:
        """Units whose 年报 column no page links to, or whose registered column lists nothing."""
        return self.world.column_not_found()

    def undeterminable(self) -> list[str]:
        """Units whose missing years can't be called missing (unfindable, empty or trap columns)."""
        return self.world.undeterminable()

    def registry_yaml(self, only: Callable[[Unit], bool] | None = None) -> str:
        """The registry of this world (crawler.registry format) with the real addresses (of the units
        ``only`` accepts, when given)."""
        units = []
        with self.world.lock:
            for u in self.world.units.values():
                if only is not None and not only(u):
                    continue
                key = u.registry_site or u.site
                d: dict = {"code": u.code, "name": u.name, "level": u.level}
                if u.parent:
                    d["parent"] = u.parent
                d["site"] = self.url(key, "/")
                if u.home_only:
                    d["home"] = self.url(key, "/")
                else:
                    d["columns"] = [self.url(key, self.world.column(c).path) for c in u.columns]
                for attr in ("cms", "deadline", "render", "robots"):
                    if getattr(u, attr):
                        d[attr] = getattr(u, attr)
                d["recipients"] = list(u.recipients)
                units.append(d)
        head = (f"# nianbao demo registry: {len(units)} units on {len(self.world.sites)} demo sites "
                f"(seed {self.world.seed}, scale {self.world.scale}); generated by demo.web\n")
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # the C dumper: thousands of units in a benchmark
        return head + yaml.dump({"units": units}, Dumper=dumper, allow_unicode=True, sort_keys=False, width=200)

    # ------------------------------------------------------------ changing the world while running
    def publish(self, site: str, unit_code: str, year: int, *, kind: str = "html", inconsistent: bool = False,
                day=None) -> ExpectedReport:
        """Add a report (a missing year, or a revision) to the unit's column on ``site``; returns its truth."""
        item = self.world.publish(site, unit_code, year, kind=kind, inconsistent=inconsistent, day=day)
        for a in item.attachments:
            a.body()
        for exp in self.expected():
            if exp.page_url == self.url(item.site, item.path):
                return exp
        raise AssertionError("published item missing from the ground truth")

    def set_down(self, site: str, down: bool = True, *, mode: str = "refused") -> None:
        """Make a whole site fail: ``refused`` (listener closed), ``503`` or ``reset`` (connections reset)."""
        if mode not in ("refused", "503", "reset"):
            raise ValueError("mode must be refused, 503 or reset")
        was = self._down.get(site)
        if down:
            self._down[site] = mode
        else:
            self._down.pop(site, None)
        if self._loop is None or not self.running:
            return
        if down and mode == "refused" and was != "refused":
            asyncio.run_coroutine_threadsafe(self._close_listener(site), self._loop).result(timeout=30)
        elif was == "refused" and (not down or mode != "refused"):
            asyncio.run_coroutine_threadsafe(self._open_listener(site), self._loop).result(timeout=30)

    async def _close_listener(self, site: str) -> None:
        listener = self._listeners.pop(site, None)
        if listener is not None:
            await listener.stop()

    async def _open_listener(self, site: str) -> None:
        if site in self._listeners or self._runner is None:
            return
        listener = web.TCPSite(self._runner, self.world.sites[site].ip, self.port, reuse_address=True, backlog=512)
        await listener.start()
        self._listeners[site] = listener

    def requests_for(self, site: str) -> list[RequestRecord]:
        with self._req_lock:
            return [r for r in self.requests if r.site == site]

    def clear_requests(self) -> None:
        with self._req_lock:
            self.requests.clear()

    # ------------------------------------------------------------ serving
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        started = time.time()
        sock = request.transport.get_extra_info("sockname") if request.transport else None
        site = self._by_ip.get(sock[0]) if sock else None
        status = 0
        try:
            if site is None:
                status = 421
                return web.Response(status=421, text="misdirected request")
            resp = await self._answer(site, request)
            if resp is None:  # connection dropped
                return web.Response(status=500)
            status = resp.status
            return resp
        finally:
            if site is not None:
                h = request.headers
                rec = RequestRecord(site=site.key, method=request.method, path_qs=request.raw_path, status=status,
                                    if_none_match=h.get("If-None-Match"), if_modified_since=h.get("If-Modified-Since"),
                                    referer=h.get("Referer"), cookie="Cookie" in h, time=started,
                                    user_agent=h.get("User-Agent"), duration=time.time() - started,
                                    browser="Sec-Fetch-Mode" in h)
                with self._req_lock:
                    self.requests.append(rec)

    def _drop(self, request: web.Request) -> None:
        transport = request.transport
        if transport is None:
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        transport.abort()

    async def _answer(self, site: Site, request: web.Request) -> web.StreamResponse | None:
        down = self._down.get(site.key)
        if down in ("refused", "reset"):
            self._drop(request)
            return None
        if site.slow:
            await asyncio.sleep(self.slow_seconds)
        if down == "503" or site.failing:
            return self._plain(503, pages.unavailable(), {"Retry-After": "3600"})
        if site.redirect_to:
            target = self.base(site.redirect_to) + request.raw_path
            return web.Response(status=301, headers={"Location": target, "Content-Type": HTML_UTF8},
                                text=f'<html><body>301 Moved Permanently: <a href="{target}">{target}</a></body></html>')
        path = request.path
        if path == "/robots.txt":
            return await self._send(request, Resp(body=pages.robots(site).encode(), content_type="text/plain",
                                                   last_modified=site.modified))
        if site.challenge:
            blocked = challenge_answer(site, request)
            if blocked is not None:
                return blocked
        if challenged.gated(site):
            refused = challenged.gate(site, request)
            if refused is not None:
                return refused
        resp = await self._route(site, request)
        if resp is None:
            resp = Resp(status=404, body=pages.not_found().encode(), content_type=HTML_UTF8)
        return await self._send(request, resp)

    def _plain(self, status: int, text: str, headers: dict | None = None) -> web.Response:
        return web.Response(status=status, body=text.encode(), headers={"Content-Type": HTML_UTF8, **(headers or {})})

    async def _send(self, request: web.Request, r: Resp) -> web.Response:
        body = r.body
        if body is None and r.make is not None:
            body = await asyncio.get_running_loop().run_in_executor(None, r.make)
        body = body or b""
        headers = _headers(r, body)
        if r.status != 200:
            return web.Response(status=r.status, body=body, headers=headers)
        etag = headers["ETag"]
        if request.method in ("GET", "HEAD") and _not_modified(request, etag, r.last_modified):
            return web.Response(status=304, headers={k: v for k, v in headers.items()
                                                     if k in ("ETag", "Last-Modified", "Server")})
        return web.Response(status=200, body=body, headers=headers)

    def static_answer(self, url: str) -> tuple[bytes, dict[str, str]]:
        """The bytes and headers (ETag, Last-Modified) a plain GET of ``url`` is answered with, made here
        without HTTP: for a static page or attachment of a site with no obstacle (a benchmark fills a store
        as an earlier crawl of those pages would have left it)."""
        parts = urlsplit(url)
        site = self._by_ip.get(parts.hostname or "")
        if site is None or site.failing or site.redirect_to or site.challenge or challenged.gated(site):
            raise ValueError(f"{url}: not a plain page of a demo site")
        make = self._site_index(site).static.get(parts.path)
        if make is None:
            raise KeyError(f"{url}: no static page there")
        r = make()
        body = (r.body if r.body is not None else r.make() if r.make is not None else b"") or b""
        return body, _headers(r, body)

    # ------------------------------------------------------------ routing
    def _site_index(self, site: Site) -> SiteIndex:
        with self.world.lock:
            idx = self._index.get(site.key)
            if idx is None or idx.version != self.world.version:
                idx = self._build_index(site)
                self._index[site.key] = idx
            return idx

    async def _route(self, site: Site, request: web.Request) -> Resp | None:
        idx = self._site_index(site)
        resp = await family(site.shape).route(self, site, request, idx)
        if resp is not None:
            return resp
        path = request.path
        make = idx.static.get(path)
        if make is not None:
            return make()
        if not path.endswith("/") and path + "/" in idx.static:
            return Resp(status=301, body=b"", headers={"Location": path + "/"})
        return None

    def _build_index(self, site: Site) -> SiteIndex:
        idx = SiteIndex(self.world.version)
        mod = site.modified

        def page(make_text: Callable[[], str], *, gbk: bool = False, lm: datetime | None = None,
                 ctype: str = "text/html") -> Callable[[], Resp]:
            def answer() -> Resp:
                text = make_text()
                body = text.encode("gbk", errors="xmlcharrefreplace") if gbk else text.encode("utf-8")
                return Resp(body=body, content_type=ctype, last_modified=lm or mod)
            return answer

        for col in site.columns.values():
            for item in col.items:
                idx.items[item.id] = (col, item)
                for a in item.attachments:
                    idx.attachments[a.id] = (item, a)
                    if "?" not in a.path:
                        idx.static[a.path] = (lambda it=item, at=a: attachment(it, at))
        family(site.shape).index(self, site, idx, page)
        return idx


# ---------------------------------------------------------------- helpers

def _headers(r: Resp, body: bytes) -> dict[str, str]:
    """The answer's headers: a 200 carries its ETag (content hash) and Last-Modified."""
    headers = {"Content-Type": r.content_type, "Server": "nginx", **r.headers}
    if r.status == 200:
        headers["ETag"] = _etag(body)
        if r.last_modified is not None:
            headers["Last-Modified"] = _http_date(r.last_modified)
    return headers


def _not_modified(request: web.Request, etag: str, last_modified: datetime | None) -> bool:
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or etag in tags
    ims = request.headers.get("If-Modified-Since")
    if ims and last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        return last_modified.replace(microsecond=0) <= since
    return False


def _free_port(ip: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def _raise_nofile(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass


# ---------------------------------------------------------------- python -m demo.web

def main(argv: list[str] | None = None) -> int:
    """``python -m demo.web``: serve the default world (the command line is :mod:`demo.serve`)."""
    from .serve import main as serve

    return serve(argv)

if __name__ == "__main__":
    sys.exit(main())
