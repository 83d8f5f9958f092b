#!/usr/bin/env bash
# `make pictures`: draw each templates/<env>.md picture as a reviewer's page does (Mermaid, through
# mermaid-cli and Chromium, 900 px wide: GitHub's page column) into docs/pictures/<env>.png.
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
for picture in templates/*.md; do
  env=$(basename "$picture" .md)
  awk '/^```mermaid/{f=1; next} /^```/{if (f) exit} f' "$picture" >"$tools/$env.mmd"
  "$tools/node_modules/.bin/mmdc" -q -p "$tools/puppeteer.json" -b white -w 900 -i "$tools/$env.mmd" -o "$out/$env.png"
  echo "$out/$env.png ($(wc -c <"$out/$env.png") bytes) from $picture"
done
