#!/usr/bin/env bash
# Create .venv and install the project. `--dev` adds training, export, Ray and test dependencies.
# Versions are held to constraints.txt, the set CI tested.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
if [[ "${1:-}" == "--dev" ]]; then
  .venv/bin/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt
else
  .venv/bin/python -m pip install --quiet -c constraints.txt -r requirements.txt
fi
# The project itself, editable: the htr and htr-api commands, and python -m htr_core from any folder.
.venv/bin/python -m pip install --quiet --no-deps -e .
