#!/usr/bin/env bash
# The PAGE XML schema for the export tests, taken from the OCR-D package on PyPI (it ships
# pagecontent 2019-07-15 as ocrd_validators/page.xsd). Only the wheel is downloaded, no install.
set -euo pipefail
cd "$(dirname "$0")/.."
target=.cache/schemas
[[ -f "$target/page.xsd" ]] && exit 0
mkdir -p "$target"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
.venv/bin/python -m pip download --quiet --no-deps --dest "$tmp" "ocrd==3.13.3"
.venv/bin/python - "$tmp" "$target" <<'PY'
import sys, zipfile, pathlib
wheel = next(pathlib.Path(sys.argv[1]).glob("ocrd-*.whl"))
with zipfile.ZipFile(wheel) as archive:
    data = archive.read("ocrd_validators/page.xsd")
pathlib.Path(sys.argv[2], "page.xsd").write_bytes(data)
PY
