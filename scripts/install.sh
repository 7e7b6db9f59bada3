#!/usr/bin/env bash
# Install the project and its dependencies into $VENV (default .venv). Called by `make install`.
set -euo pipefail
VENV=${VENV:-.venv}
PIP="$VENV/bin/pip"
"$PIP" install -q --upgrade pip wheel setuptools
"$PIP" install -q -e '.[dev]'
