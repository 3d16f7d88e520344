"""Optional group notifications (企业微信 WeCom / 钉钉 DingTalk …) through the apprise library.

    NIANBAO_WEBHOOKS="wecombot://BOTKEY dingtalk://TOKEN/SECRET"

Each URL gets one short message per night (:func:`alerts.digest.render_webhook`): the summary (counts
per kind and per county), the new findings in a line each, and a link to the open alerts in Datasette. The
URLs carry secrets, so they stay in the environment: the outbox stores only a label (``webhook:1``) and
the URL is looked up again when sending. Without apprise installed (``pip install nianbao[webhooks]``)
webhooks are skipped with a warning; email does not depend on them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from .config import split_list

log = logging.getLogger(__name__)

MAX_CHARS = 3800  # WeCom group bots take 4096 bytes of markdown; DingTalk 20000


class WebhookError(RuntimeError):
    """A webhook that could not be delivered (the URL is not named: it holds a token)."""


def available() -> bool:
    try:
        import apprise  # noqa: F401
    except ImportError:
        return False
    return True


def urls_from_env(env: Mapping[str, str] | None = None) -> list[str]:
    """The configured webhook URLs; an empty list (with a warning) when apprise is not installed."""
    env = os.environ if env is None else env
    urls = split_list(env.get("NIANBAO_WEBHOOKS", ""))
    if urls and not available():
        log.warning("NIANBAO_WEBHOOKS is set but apprise is not installed: group webhooks skipped")
        return []
    return urls


def labels(urls: list[str]) -> list[str]:
    return [f"webhook:{i + 1}" for i in range(len(urls))]


def shorten(text: str, limit: int = MAX_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 30].rsplit("\n", 1)[0] + "\n……（完整内容见邮件）"


def notify(label: str, title: str, body: str, urls: list[str] | None) -> None:
    """Send one message to the webhook ``label`` names; raises :class:`WebhookError` on failure."""
    try:
        import apprise
    except ImportError as exc:
        raise WebhookError("未安装 apprise，无法发送群消息") from exc
    urls = urls if urls is not None else urls_from_env()
    try:
        url = urls[int(label.split(":", 1)[1]) - 1]
    except (IndexError, ValueError) as exc:
        raise WebhookError(f"{label} 已不在 NIANBAO_WEBHOOKS 中") from exc
    sender = apprise.Apprise()
    if not sender.add(url):
        raise WebhookError(f"{label} 不是 apprise 能识别的地址")
    if not sender.notify(title=title, body=body):
        raise WebhookError(f"{label} 发送失败")
