"""Parsing untrusted binary documents in a child process with hard limits on time and memory.

pdfminer, LibreOffice and the OCR engine run native or deeply recursive code on whatever a website
serves; a hostile or broken file can make them spin or swallow memory. The child gets an address-space
limit and a wall-clock timeout; when it dies the document gets a clear error and the caller goes on.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

from . import parse_document, sniff
from .model import ParseFailure, Report

TIMEOUT = float(os.environ.get("NIANBAO_PARSE_TIMEOUT", "300"))
MEMORY_MB = int(os.environ.get("NIANBAO_PARSE_MEMORY_MB", "4096"))
# Text, HTML and DOCX are parsed in-process (fast, pure Python, bounded by size checks); the rest
# goes to a child.
ISOLATED_KINDS = frozenset({"pdf", "doc", "wps", "image", "xls", "xlsx", "unknown"})


def parse_isolated(data: bytes, source: str, *, name: str | None = None, content_type: str | None = None,
                   meta: dict | None = None, timeout: float = TIMEOUT, memory_mb: int = MEMORY_MB,
                   images: dict[str, bytes] | None = None) -> Report:
    """Like :func:`parsers.parse_document`, in a child process for risky kinds of document (and for any
    page given ``images``: its pictures are read by the OCR engine)."""
    kind = sniff(data, name or source, content_type)
    if kind not in ISOLATED_KINDS and not images:
        return parse_document(data, source, name=name, content_type=content_type, meta=meta)
    pictures = list((images or {}).items())
    # the pictures' bytes follow the document's on stdin; the request says where each ends
    request = json.dumps({"source": source, "name": name, "content_type": content_type, "meta": meta or {},
                          "size": len(data), "images": [[src, len(b)] for src, b in pictures]},
                         ensure_ascii=False).encode()
    # its own session, so LibreOffice grandchildren die with it; no preexec_fn (unsafe with threads):
    # the limit is set from outside before the child has read its input
    proc = subprocess.Popen([sys.executable, "-m", "parsers.worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    limit = memory_mb * 1024 * 1024
    try:
        resource.prlimit(proc.pid, resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):
        pass
    try:
        out, err = proc.communicate(len(request).to_bytes(8, "big") + request + data
                                    + b"".join(b for _, b in pictures), timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        return Report(source=source, kind=kind, error=ParseFailure(
            "timeout", f"解析超过 {int(timeout)} 秒仍未完成，已中止（文件可能损坏或过大）"))
    if proc.returncode != 0 or not out:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        if b"MemoryError" in err or proc.returncode in (-9, -6, 137):
            return Report(source=source, kind=kind, error=ParseFailure(
                "resource_limit", f"解析超出内存上限（{memory_mb} MB），已中止"))
        return Report(source=source, kind=kind, error=ParseFailure(
            "parser_crashed", f"解析进程异常退出（{proc.returncode}）：{tail[0][:200]}"))
    return Report.from_json(json.loads(out))
