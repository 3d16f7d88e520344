"""Document conversion through LibreOffice headless (.doc/.wps → .docx, .docx → .pdf, …).

One call is one ``soffice --convert-to`` run in a fresh temp dir with its own user profile, so concurrent
calls never share LibreOffice's profile lock, and a hung LibreOffice is killed with its whole process
group when the timeout passes. Failures raise :class:`~parsers.model.ParseFailure` with stable codes:
``converter_missing``, ``conversion_timeout``, ``conversion_failed``.
"""

from __future__ import annotations

import codecs
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .model import ParseFailure

ENV_SOFFICE = "NIANBAO_SOFFICE"

# Explicit export filters: without one, LibreOffice picks by extension and may choose a filter of the
# wrong document family (or none at all for a document it opened in Writer/Web).
EXPORT_FILTERS = {
    "doc": "doc:MS Word 97",
    "docx": "docx:MS Word 2007 XML",
    "pdf": "pdf:writer_pdf_Export",
    "odt": "odt:writer8",
}

# HTML otherwise opens in Writer/Web, which has no Word or PDF export filters of its own; loading it
# into plain Writer makes every target above work.
IMPORT_FILTERS = {
    "html": "HTML (StarWriter)",
    "htm": "HTML (StarWriter)",
}

# What a .doc/.wps really is on government sites: a Word 97 / WPS / Works compound file, a .docx renamed,
# RTF, or HTML/MHT saved with a Word extension (UTF-16 when Word saved it as a "Unicode" web page).
_WORD_SIGNATURES = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"PK\x03\x04", b"{\\rtf", b"\xff\xfe", b"\xfe\xff",
)
_SNIFF = 4096

_STDERR_TAIL = 300  # characters of LibreOffice's output kept in a conversion_failed message


def find_soffice() -> str | None:
    """The LibreOffice executable: ``$NIANBAO_SOFFICE`` if set, else ``soffice`` or ``libreoffice`` on PATH."""
    override = os.environ.get(ENV_SOFFICE)
    if override:
        # An explicit setting that does not resolve is "missing", never a silent fall-back to PATH.
        return shutil.which(override)
    return shutil.which("soffice") or shutil.which("libreoffice")


def converter_available() -> bool:
    """Whether LibreOffice can be found (it is not started)."""
    return find_soffice() is not None


def libreoffice_convert(data: bytes, src_ext: str, target: str, *, timeout: float = 120) -> bytes:
    """Convert a document's bytes with LibreOffice and return the converted bytes.

    ``src_ext`` is the input's extension ("doc", "wps", "docx", "html", …); the temp file keeps it, since
    LibreOffice's type detection starts from the extension (for .wps it then reads the content, which is
    either a Word 97 compound file written by WPS Office or a Works document). ``target`` is an
    extension ("docx", "pdf", "doc", …) or a full ``ext:Filter`` string. HTML must declare its charset:
    LibreOffice reads an undeclared GBK page as an empty document.

    Raises ParseFailure ``converter_missing`` (no LibreOffice), ``conversion_timeout`` (killed after
    ``timeout`` seconds) or ``conversion_failed`` (a .doc/.wps that is no Word-family file at all, or
    LibreOffice ran but produced no output).
    """
    soffice = find_soffice()
    if soffice is None:
        raise ParseFailure(
            "converter_missing",
            "未找到 LibreOffice（soffice），无法转换 .doc/.wps 文件；请按 README 安装 libreoffice-writer",
        )
    src_ext = src_ext.lower().lstrip(".") or "bin"
    if src_ext in ("doc", "wps") and not _looks_like_word(data):
        # LibreOffice imports anything it cannot identify as plain text and "succeeds" with mojibake.
        raise ParseFailure(
            "conversion_failed", f"LibreOffice 无法将 .{src_ext} 转换：文件内容不是 Word/WPS 文档"
        )
    convert_to = EXPORT_FILTERS.get(target.lower(), target)
    out_ext = convert_to.split(":", 1)[0].lower()

    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as tmp:
        work = Path(tmp)
        indir, outdir, profile = work / "in", work / "out", work / "profile"
        for d in (indir, outdir, profile):
            d.mkdir()
        # An ASCII name: the original (often Chinese) file name plays no part in the conversion.
        src = indir / f"input.{src_ext}"
        src.write_bytes(data)
        cmd = [
            soffice, "--headless", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
            f"-env:UserInstallation={profile.as_uri()}",
        ]
        if src_ext in IMPORT_FILTERS:
            cmd.append(f"--infilter={IMPORT_FILTERS[src_ext]}")
        cmd += ["--convert-to", convert_to, "--outdir", str(outdir), str(src)]

        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,  # soffice is a wrapper script: oosplash and soffice.bin are its children
            env={**os.environ, "HOME": str(work)},  # nothing of the caller's home is read or written
        )
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise ParseFailure(
                "conversion_timeout", f"LibreOffice 转换超时（超过 {timeout:g} 秒），已终止"
            ) from None
        finally:
            if proc.poll() is None:  # an exception other than the timeout (e.g. KeyboardInterrupt)
                _kill_group(proc)

        result = outdir / f"input.{out_ext}"
        if not result.is_file() or result.stat().st_size == 0:
            # soffice exits 0 even when it could not load the input, so the output file is the test.
            reason = _output_tail(output) or "LibreOffice 未生成输出文件"
            raise ParseFailure(
                "conversion_failed", f"LibreOffice 无法将 .{src_ext} 转换为 .{out_ext}：{reason}"
            )
        return result.read_bytes()


def _looks_like_word(data: bytes) -> bool:
    """A known Word-family container, or text (HTML, MHT) that LibreOffice's detection handles."""
    if data.startswith(_WORD_SIGNATURES):
        return True
    head = data[:_SNIFF]
    if not head or b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)  # tolerates a cut character
            return True
        except UnicodeDecodeError:
            pass
    return False


def _output_tail(output: bytes) -> str:
    """The end of LibreOffice's console output, without the javaldx warning every headless run prints."""
    lines = [
        line.strip() for line in output.decode("utf-8", "replace").splitlines()
        if line.strip() and "javaldx" not in line
    ]
    return " ".join(lines)[-_STDERR_TAIL:]


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the process group started for ``proc`` and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:  # a grandchild that left the group still holds the pipe
        proc.kill()
        proc.wait()
