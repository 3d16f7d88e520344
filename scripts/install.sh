#!/usr/bin/env bash
# Installs everything nianbao needs on a Debian/Ubuntu machine: system packages (Chromium for
# pages that need a browser, LibreOffice for .doc/.wps, CJK fonts), then a virtualenv in .venv with
# nianbao, its OCR extra and its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(chromium libreoffice-writer-nogui fonts-noto-cjk poppler-utils python3-venv)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
echo "==> pip install -e '.[ocr,divisions,webhooks,test]'"
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e '.[ocr,divisions,webhooks,test]'

# Playwright drives Debian's chromium by executable path. Where Playwright's own browser download
# works, NIANBAO_PLAYWRIGHT_DOWNLOAD=1 fetches its Chromium instead.
if [ "${NIANBAO_PLAYWRIGHT_DOWNLOAD:-0}" = 1 ]; then
  .venv/bin/playwright install chromium
fi
echo "==> done: $(.venv/bin/nianbao --version)"
