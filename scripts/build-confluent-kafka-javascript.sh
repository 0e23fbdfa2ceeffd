#!/usr/bin/env bash
# Builds @confluentinc/kafka-javascript's addon (NAN, Node only) from the librdkafka sources the npm
# package bundles. Its own install script (node-pre-gyp) downloads a prebuilt binary from GitHub,
# which this project's machines cannot reach, and Bun does not run it anyway (not a trusted
# dependency). CKJS_LINKING=dynamic makes librdkafka's configure use the system zlib, zstd and
# OpenSSL instead of downloading their sources; snappy and lz4 are built in. The configure step is
# run on its own first: under `make -j` the generated config.h races the targets that need it.
# Idempotent: does nothing when the addon is there. Takes ~2 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=node_modules/@confluentinc/kafka-javascript
addon=$pkg/build/Release/confluent-kafka-javascript.node
[ -f "$addon" ] && exit 0
nodedir="$(dirname "$(dirname "$(command -v node)")")"
gyp="$PWD/node_modules/node-gyp/bin/node-gyp.js"
cd "$pkg"
export CKJS_LINKING=dynamic
(cd deps && node ../util/configure)
node "$gyp" rebuild --nodedir="$nodedir" -j 2
test -f build/Release/confluent-kafka-javascript.node
node -e 'const k = require("./"); console.log("built @confluentinc/kafka-javascript " + require("./package.json").version + " with librdkafka " + k.librdkafkaVersion)'
