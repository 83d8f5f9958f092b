#!/usr/bin/env bash
# `make pictures`: draw each templates/<env>.md picture as a reviewer's page does (Mermaid, through
# mermaid-cli and Chromium, 900 px wide: GitHub's page column) into docs/pictures/<env>.png, and the
# picture of a change a pull-request comment shows (tests/review/golden/cluster-rename.md's first, prod's)
# into docs/pictures/change.png; then measure each (scripts/pictures_measure.py, from an SVG drawn at its
# natural size): the smallest text at 100% in the column, and the zones' order. Fails when one is unreadable.
# Not part of `make test`: it needs a browser. First run installs Debian's chromium (apt-get, as root)
# and mermaid-cli under .cache/pictures (npm, without its own browser download).
set -euo pipefail
cd "$(dirname "$0")/.."
MERMAID_CLI=@mermaid-js/mermaid-cli@11.17.0
tools=.cache/pictures
out=docs/pictures
if ! command -v chromium >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "make pictures needs Chromium: sudo apt-get install chromium" >&2; exit 2; }
  echo "Installing chromium (Debian package, once)"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -x "$tools/node_modules/.bin/mmdc" ]; then
  command -v npm >/dev/null || { echo "make pictures needs npm (Node.js) for mermaid-cli" >&2; exit 2; }
  echo "Installing $MERMAID_CLI under $tools (npm, once)"
  mkdir -p "$tools"
  (cd "$tools" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund "$MERMAID_CLI" >/dev/null)
fi
# Chromium refuses to run as root inside its sandbox; a container's root needs --no-sandbox.
sandbox='"--disable-gpu"'
[ "$(id -u)" = 0 ] && sandbox='"--no-sandbox", "--disable-gpu"'
printf '{"executablePath": "%s", "args": [%s]}\n' "$(command -v chromium)" "$sandbox" >"$tools/puppeteer.json"
mkdir -p "$out"
measured=()
draw() {  # draw SOURCE.md NAME: its first Mermaid picture into $out/NAME.png, and at its natural size into an SVG
  awk '/^```mermaid/{f=1; next} /^```/{if (f) exit} f' "$1" >"$tools/$2.mmd"
  "$tools/node_modules/.bin/mmdc" -q -p "$tools/puppeteer.json" -b white -w 900 -i "$tools/$2.mmd" -o "$out/$2.png"
  "$tools/node_modules/.bin/mmdc" -q -p "$tools/puppeteer.json" -b white -i "$tools/$2.mmd" -o "$tools/$2.svg"
  echo "$out/$2.png ($(wc -c <"$out/$2.png") bytes) from $1"
  measured+=("$out/$2.png=$tools/$2.svg")
}
for picture in templates/*.md; do
  draw "$picture" "$(basename "$picture" .md)"
done
draw tests/review/golden/cluster-rename.md change
"${PYTHON:-python3}" scripts/pictures_measure.py "${measured[@]}"
