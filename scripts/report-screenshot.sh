#!/usr/bin/env bash
# Screenshot of a netsynth report.html with headless Chromium, as in the README:
#   scripts/report-screenshot.sh out/quickstart/report.html docs/report-quickstart.png
# The page is the report itself with one rule added to a temporary copy: the summary table
# (one row per metric, very long) is hidden so the picture shows the plots and the images.
set -euo pipefail
report=${1:?usage: report-screenshot.sh REPORT.html OUT.png [WIDTH HEIGHT]}
out=${2:?usage: report-screenshot.sh REPORT.html OUT.png [WIDTH HEIGHT]}
width=${3:-1100}
height=${4:-2100}
chromium=${NETSYNTH_CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's|</head>|<style>#summary{display:none}</style></head>|' "$report" > "$tmp/report.html"
"$chromium" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size="$width,$height" \
  --screenshot="$tmp/shot.png" "file://$tmp/report.html" >/dev/null 2>&1
mv "$tmp/shot.png" "$out"
echo "wrote $out ($(stat -c %s "$out") bytes)"
