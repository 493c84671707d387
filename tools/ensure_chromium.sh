#!/usr/bin/env bash
# The browser check needs a Chromium (tools/browser_check.py --find says which it would use).
# Install Debian's when we can; otherwise stop with instructions, or skip with a notice when
# the user asks for it (RGBOOK_SKIP_BROWSER=1). CI (RGBOOK_CI=1) never skips.
# RGBOOK_NO_INSTALL=1 forbids installing system packages.
# Exit status: 0 a browser is here, 1 none and no skip, 2 none and the user chose to skip.
set -eo pipefail
if python tools/browser_check.py --find >/dev/null; then
    exit 0
fi
if [ -z "${RGBOOK_NO_INSTALL:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium (about 20 s)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    exit 0
fi
if [ "${RGBOOK_SKIP_BROWSER:-}" = 1 ] && [ -z "${RGBOOK_CI:-}" ]; then
    echo "NOTICE: no Chromium found and RGBOOK_SKIP_BROWSER=1: the browser check is SKIPPED." >&2
    echo "        Every other test ran; CI runs the browser check." >&2
    exit 2
fi
cat >&2 <<'MSG'
The browser check needs Chromium and none was found. Either install one:
    sudo apt-get install -y chromium        (Debian/Ubuntu)
    .venv/bin/playwright install chromium   (any system, no root)
or name one with RGBOOK_BROWSER=/path/to/chrome, or skip this one step with
    RGBOOK_SKIP_BROWSER=1 make test
MSG
exit 1
