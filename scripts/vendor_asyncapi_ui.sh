#!/usr/bin/env bash
# Refresh the vendored AsyncAPI assets from the npm registry:
#   - @asyncapi/react-component: the standalone browser bundle and its minified CSS,
#     served by the docs page (faststream_fastapi/asyncapi/static/asyncapi-react/);
#   - @asyncapi/specs: the 2.6.0 and 3.0.0 JSON Schemas the tests validate against
#     (tests/asyncapi/schemas/).
# Both packages are Apache-2.0; their LICENSE (and NOTICE) files are copied alongside.
# Usage: scripts/vendor_asyncapi_ui.sh [react-component-version] [specs-version]
set -euo pipefail

UI_VERSION="${1:-3.2.1}"
SPECS_VERSION="${2:-6.11.1}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UI_DIR="$ROOT/faststream_fastapi/asyncapi/static/asyncapi-react"
SPECS_DIR="$ROOT/tests/asyncapi/schemas"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "@asyncapi/react-component@$UI_VERSION" "@asyncapi/specs@$SPECS_VERSION" >/dev/null
mkdir ui specs
tar xzf asyncapi-react-component-"$UI_VERSION".tgz -C ui
tar xzf asyncapi-specs-"$SPECS_VERSION".tgz -C specs

mkdir -p "$UI_DIR" "$SPECS_DIR"
cp ui/package/browser/standalone/index.js "$UI_DIR/index.js"
cp ui/package/browser/standalone/index.js.LICENSE.txt "$UI_DIR/index.js.LICENSE.txt"
cp ui/package/styles/default.min.css "$UI_DIR/default.min.css"
cp ui/package/LICENSE "$UI_DIR/LICENSE"
cat > "$UI_DIR/NOTICE" <<NOTICE
@asyncapi/react-component $UI_VERSION (https://github.com/asyncapi/asyncapi-react)
Copyright The AsyncAPI maintainers. Licensed under the Apache License, Version 2.0 (see LICENSE).
Files taken unmodified from the npm package:
  browser/standalone/index.js           -> index.js
  browser/standalone/index.js.LICENSE.txt -> index.js.LICENSE.txt (notices of bundled code)
  styles/default.min.css                -> default.min.css
NOTICE

cp specs/package/schemas/2.6.0.json specs/package/schemas/3.0.0.json "$SPECS_DIR/"
cp specs/package/LICENSE "$SPECS_DIR/LICENSE"
{
  cat specs/package/NOTICE
  printf '\n\nFiles taken unmodified from the npm package @asyncapi/specs %s:\n' "$SPECS_VERSION"
  printf '  schemas/2.6.0.json, schemas/3.0.0.json\n'
} > "$SPECS_DIR/NOTICE"
echo "vendored @asyncapi/react-component@$UI_VERSION and @asyncapi/specs@$SPECS_VERSION"
