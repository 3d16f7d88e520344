"""The child side of :mod:`parsers.isolate`: read a request and a document on stdin, print the report."""

from __future__ import annotations

import json
import sys

from . import parse_document


def main() -> None:
    stream = sys.stdin.buffer
    size = int.from_bytes(stream.read(8), "big")
    request = json.loads(stream.read(size))
    data = stream.read()
    images, end = {}, request.get("size", len(data))
    for src, size in request.get("images") or []:  # a page's pictures, after the page
        images[src] = data[end:end + size]
        end += size
    report = parse_document(data[:request.get("size", len(data))], request["source"], name=request.get("name"),
                            content_type=request.get("content_type"), meta=request.get("meta") or None,
                            images=images or None)
    sys.stdout.write(json.dumps(report.to_json(with_text=True, with_others=True), ensure_ascii=False))


if __name__ == "__main__":
    main()
