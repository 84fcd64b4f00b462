#!/usr/bin/env bash
# Renders a countersign HTML audit with headless Chromium, so a person can look at it: a PNG
# screenshot of the screen layout, or, when OUT ends in .pdf, the print layout (A4, as the
# audit's @page rule asks) plus one PNG per page (OUT-1.png, OUT-2.png …) when pdftoppm is there.
#
#   scripts/render-audit.sh AUDIT.html [OUT.png] [WIDTHxHEIGHT]
#   scripts/render-audit.sh AUDIT.html OUT.pdf
#
# Installs Debian's `chromium` with apt-get when no Chromium is on PATH (needs root or sudo).
# The page is loaded from a file:// URL with networking disabled: the audit is self-contained.
set -euo pipefail

html=${1:?usage: render-audit.sh AUDIT.html [OUT.png] [WIDTHxHEIGHT]}
out=${2:-${html%.html}.png}
size=${3:-1200x1800}

[ -f "$html" ] || { echo "render-audit: $html: no such file" >&2; exit 2; }

browser=""
for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
if [ -z "$browser" ]; then
    echo "render-audit: no Chromium found; installing Debian's chromium with apt-get" >&2
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
    browser=chromium
fi

abs=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars
    --user-data-dir="$profile" --no-first-run --disable-extensions
    --disable-background-networking --disable-component-update --disable-sync --disable-quic
    --proxy-server="http://127.0.0.1:9" --proxy-bypass-list="<-loopback>")

case "$out" in
*.pdf)
    "$browser" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$out" "file://$abs" >/dev/null 2>&1
    [ -s "$out" ] || { echo "render-audit: Chromium wrote no PDF" >&2; exit 1; }
    echo "$out"
    if command -v pdftoppm >/dev/null 2>&1; then
        pdftoppm -png -r 96 "$out" "${out%.pdf}"
        ls "${out%.pdf}"-*.png
    fi
    ;;
*)
    "$browser" "${flags[@]}" --window-size="${size/x/,}" --screenshot="$out" "file://$abs" >/dev/null 2>&1
    [ -s "$out" ] || { echo "render-audit: Chromium wrote no screenshot" >&2; exit 1; }
    echo "$out"
    ;;
esac
