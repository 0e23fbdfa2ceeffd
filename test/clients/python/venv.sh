#!/usr/bin/env bash
# The Python environment for the newest-release client suites (py-newest.test.ts): one venv holding
# exactly requirements.txt (pinned) — kafka-python 3.x, aiokafka and confluent-kafka-python 2.x, with
# the codec modules they need (cramjam for aiokafka's codecs, python-snappy (on cramjam) for kafka-python's snappy, lz4,
# zstandard). kafka-python 3.x shares this venv with confluent-kafka 2.x (different import names);
# it cannot share one with Debian's kafka-python 2.0.2, which stays on /usr/bin/python3.
# Kept under ${TAKHIN_CACHE_DIR:-~/.cache/takhin}, named by the requirements' hash, so it is created
# once per machine and pin set. Prints the venv's python on stdout. Used by .ci/run and the test.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hash="$(sha256sum "$here/requirements.txt" | cut -c1-12)"
dir="${TAKHIN_CACHE_DIR:-$HOME/.cache/takhin}/clients-py-$hash"
if [ ! -x "$dir/bin/python" ] || [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  python3 -m venv "$dir" >&2
  "$dir/bin/pip" install -q --disable-pip-version-check --no-deps -r "$here/requirements.txt" >&2
  "$dir/bin/python" -c 'import kafka, aiokafka, confluent_kafka, cramjam, snappy, lz4.frame, zstandard' >&2
  touch "$dir/.complete"
fi
echo "$dir/bin/python"
