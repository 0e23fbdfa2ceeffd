#!/usr/bin/env bash
# The Python environment for the confluent-kafka-python tests: a venv holding exactly
# requirements.txt (pinned), kept under ${TAKHIN_CACHE_DIR:-~/.cache/takhin} and named by the
# requirements' hash, so it is created once per machine and per pin set (a few seconds from PyPI).
# Prints the venv's python on stdout. Used by .ci/run and by python-serde.test.ts.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hash="$(sha256sum "$here/requirements.txt" | cut -c1-12)"
dir="${TAKHIN_CACHE_DIR:-$HOME/.cache/takhin}/schema-registry-py-$hash"
if [ ! -x "$dir/bin/python" ] || [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  python3 -m venv "$dir" >&2
  "$dir/bin/pip" install -q --disable-pip-version-check --no-deps -r "$here/requirements.txt" >&2
  "$dir/bin/python" -c 'import confluent_kafka.schema_registry.avro, confluent_kafka.schema_registry.protobuf, confluent_kafka.schema_registry.json_schema' >&2
  touch "$dir/.complete"
fi
echo "$dir/bin/python"
