#!/usr/bin/env bash
# Writes deploy/image/requirements.txt: every package the image installs, transitive ones included, at one
# version with the hashes of all its files, resolved from pyproject.toml's pins for Python 3.11 on any
# platform. Run after changing pyproject.toml's dependencies; tests/deploy/test_image.py fails until then.
set -euo pipefail
cd "$(dirname "$0")/../.."
UV_VERSION=0.13.8
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
"$tools/bin/uv" pip compile pyproject.toml --quiet --universal --python-version 3.11 --generate-hashes \
    --no-annotate --custom-compile-command deploy/image/lock.sh --output-file deploy/image/requirements.txt
