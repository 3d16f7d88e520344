"""Recognising an anti-bot JavaScript / cookie challenge in a plain HTTP answer, whatever its vendor.

A challenge is an answer that stands in front of the page until the client proves it runs scripts or
keeps cookies. The shapes seen on government portals (docs/portal-shapes.md, "Anti-bot"):

- ``status`` — 412 / 521 / 202 (and a scripted 403 / 503) whose small body is a script: 瑞数, 加速乐
  (``__jsl_clearance``), Cloudflare-like interstitials;
- ``cookie_script`` — a 200 page that is little more than a script setting ``document.cookie`` and
  reloading or redirecting (the C3VK shell);
- ``script_required`` — a 200 page with next to no content that asks for JavaScript
  (“请开启JavaScript并刷新该页”);
- ``cookie_redirect`` — a redirect to the very same address that sets a cookie (openresty CT6T):
  a client without a cookie jar loops.

Nothing here knows one vendor's markup: the tests are the status, the size of what a reader would see,
and what the scripts do to cookies and to the location.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin

# Statuses that carry challenges; a scripted 403/503 is one only when it also touches cookies/location.
CHALLENGE_STATUS = {202, 412, 521}
SCRIPTED_REFUSALS = {403, 503}
MAX_CHALLENGE_BYTES = 200_000  # a challenge is small; a big page with a 412 is something else
MAX_SHELL_BYTES = 60_000  # a 200 cookie shell is a few KB (inline obfuscated scripts at most tens of KB)
MAX_SHELL_TEXT = 200  # visible characters a cookie shell may show (a notice, a spinner's text)
MAX_SHELL_LINKS = 3

_SCRIPT = re.compile(rb"<script\b", re.I)
_SCRIPT_BLOCK = re.compile(rb"<script\b[^>]*>(.*?)</script\s*>", re.I | re.S)
_HIDDEN = re.compile(rb"<(script|style|noscript|template)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(rb"<[^>]*>", re.S)
_ANCHOR = re.compile(rb"<a\b[^>]*\bhref\s*=", re.I)
_SETS_COOKIE = re.compile(rb"document\s*(?:\.\s*cookie|\[\s*[\"']cookie[\"']\s*\])\s*=(?!=)", re.I)
_RELOADS = re.compile(
    rb"location\s*\.\s*(?:reload|replace|assign)\s*\(|location(?:\s*\.\s*href)?\s*=(?!=)|"
    rb"history\s*\.\s*go\s*\(\s*0?\s*\)|http-equiv\s*=\s*[\"']?refresh|\.submit\s*\(\s*\)", re.I)
# "turn JavaScript on" in the words portals use (Chinese and English)
_NEEDS_SCRIPT = re.compile(
    r"(?:请|需要|必须)?(?:开启|启用|打开|允许|支持)(?:浏览器的?)?\s*(?:JavaScript|javascript|JS|js|脚本)|"
    r"enable\s+javascript|javascript\s+(?:is\s+)?(?:required|disabled)", re.I)
_ENTITY = re.compile(rb"&(?:#\d+|#x[0-9a-f]+|\w+);", re.I)


def visible_text(body: bytes) -> bytes:
    """The characters a reader would see (scripts, styles, noscript and tags removed), whitespace-free."""
    text = _TAG.sub(b"", _HIDDEN.sub(b"", body))
    return re.sub(rb"\s+|&nbsp;", b"", _ENTITY.sub(b"x", text))


def _visible_chars(body: bytes) -> int:
    return len(visible_text(body).decode("utf-8", "ignore"))


def _is_html(body: bytes, content_type: str) -> bool:
    if "html" in content_type or "javascript" in content_type:
        return True
    if content_type and not content_type.startswith("text/"):
        return False
    return bool(_SCRIPT.search(body[:4096])) or body.lstrip()[:1] == b"<"


def detect(status: int, body: bytes, *, content_type: str = "", url: str = "", location: str | None = None,
           sets_cookie: bool = False) -> str | None:
    """The kind of challenge a plain HTTP answer is (see the module doc), or None when it is an answer.

    ``location`` is the redirect target (3xx), ``sets_cookie`` whether the answer had ``Set-Cookie``."""
    if 300 <= status < 400:
        if location and sets_cookie and url:
            if urldefrag(urljoin(url, location))[0] == urldefrag(url)[0]:
                return "cookie_redirect"
        return None
    content_type = (content_type or "").lower()
    if status not in CHALLENGE_STATUS | SCRIPTED_REFUSALS | {200}:
        return None
    if len(body) > (MAX_CHALLENGE_BYTES if status != 200 else MAX_SHELL_BYTES) or not body:
        return None
    if not _is_html(body, content_type) or not _SCRIPT.search(body):
        return None  # every shape here runs a script
    if status in CHALLENGE_STATUS:
        return "status"
    if status == 200 and len(_ANCHOR.findall(body)) > MAX_SHELL_LINKS:
        return None  # a page with links to follow is an answer (the cheap test first: most pages stop here)
    scripts = b"".join(_SCRIPT_BLOCK.findall(body))
    sets = bool(_SETS_COOKIE.search(scripts))
    moves = bool(_RELOADS.search(scripts)) or bool(re.search(rb"http-equiv\s*=\s*[\"']?refresh", body, re.I))
    if status in SCRIPTED_REFUSALS:
        return "status" if sets or moves else None
    # a 200 page: only a shell with (next to) nothing to read can be a challenge
    if _visible_chars(body) > MAX_SHELL_TEXT:
        return None
    if sets and moves:
        return "cookie_script"
    # asking for JavaScript in the text a reader sees (a single-page app says so only inside <noscript>)
    if _NEEDS_SCRIPT.search(visible_text(body).decode("utf-8", "ignore")):
        return "script_required"
    return None


def detect_response(response) -> str | None:
    """:func:`detect` for a Scrapy response (headers read from it)."""
    headers = response.headers
    ctype = (headers.get(b"Content-Type") or b"").decode("latin-1")
    location = headers.get(b"Location")
    return detect(response.status, response.body, content_type=ctype, url=response.url,
                  location=location.decode("latin-1") if location else None,
                  sets_cookie=bool(headers.getlist(b"Set-Cookie")))


KIND_NAMES = {
    "status": "JavaScript 质询页",
    "cookie_script": "写入 Cookie 后刷新的脚本页",
    "script_required": "要求开启 JavaScript 的空白页",
    "cookie_redirect": "设置 Cookie 后重定向到自身",
}
