#!/usr/bin/env bash
# The Python environments for the newest-release client suites (py-newest.test.ts), one venv per
# pinned requirements file:
#   venv.sh [requirements.txt]             kafka-python 3.x, aiokafka and confluent-kafka-python 2.x
#   venv.sh requirements-kafka-python2.txt kafka-python 2.x (the newest 2.x line)
# each with the codec modules (cramjam for aiokafka's codecs, python-snappy on cramjam for
# kafka-python's snappy, lz4, zstandard). kafka-python 3.x shares a venv with confluent-kafka 2.x and
# aiokafka (different import names); two kafka-python releases cannot share one, so 2.x has its own,
# and Debian's kafka-python 2.0.2 stays on /usr/bin/python3.
# Kept under ${TAKHIN_CACHE_DIR:-~/.cache/takhin}, named by the file and its hash, so each is
# created once per machine and pin set. Prints the venv's python on stdout. Used by .ci/run and the test.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
req="$here/${1:-requirements.txt}"
name="$(basename "$req" .txt)"
hash="$(sha256sum "$req" | cut -c1-12)"
dir="${TAKHIN_CACHE_DIR:-$HOME/.cache/takhin}/clients-py-$name-$hash"
if [ ! -x "$dir/bin/python" ] || [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  python3 -m venv "$dir" >&2
  "$dir/bin/pip" install -q --disable-pip-version-check --no-deps -r "$req" >&2
  "$dir/bin/python" -c 'import kafka, cramjam, snappy, lz4.frame, zstandard' >&2
  if grep -q '^aiokafka==' "$req"; then "$dir/bin/python" -c 'import aiokafka, confluent_kafka' >&2; fi
  touch "$dir/.complete"
fi
echo "$dir/bin/python"
