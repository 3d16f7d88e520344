"""A large night must not run out of file descriptors: the crawl lifts its soft open-file limit and
drops idle keep-alive connections after NIANBAO_IDLE_CONNECTION_SECONDS (not Twisted's 240 s)."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from .conftest import ROOT


def _low_soft_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, hard), hard))


@pytest.mark.skipif(resource.getrlimit(resource.RLIMIT_NOFILE)[1] <= 256, reason="the hard limit is already low")
def test_the_crawl_lifts_its_soft_open_file_limit_to_the_hard_one():
    code = ("import resource\n"
            "from crawler.crawl import raise_open_file_limit\n"
            "before = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
            "print(before[0], *raise_open_file_limit())\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         preexec_fn=_low_soft_limit).stdout.split()
    before, soft, hard = map(int, out)
    assert before == 256
    assert soft == hard or (hard == resource.RLIM_INFINITY and soft > 256)


def test_idle_keep_alive_connections_are_dropped_after_the_setting():
    code = ("from scrapy.utils.reactor import install_reactor\n"
            "install_reactor('twisted.internet.asyncioreactor.AsyncioSelectorReactor')\n"
            "from scrapy import Spider\n"
            "from scrapy.crawler import Crawler\n"
            "from crawler.crawl import crawl_settings\n"
            "from crawler.handlers import LazyPlaywrightDownloadHandler\n"
            "for over in ({}, {'NIANBAO_IDLE_CONNECTION_SECONDS': 7}):\n"
            "    crawler = Crawler(Spider, crawl_settings('x.db', 'r.yaml', overrides=over))\n"
            "    crawler._apply_settings()  # what the crawl does before it builds its download handlers\n"
            "    print(LazyPlaywrightDownloadHandler.from_crawler(crawler)._pool.cachedConnectionTimeout)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert [float(x) for x in out.split()] == [20.0, 7.0]
