#!/usr/bin/env sh
# The main job: plan and apply the example stack `demo` (templates/web-bucket.yaml) against the mock
# cloud, with the state in the embedded default store (.cairn/state.db), then plan and apply an update of
# it. A stack left by an earlier run is destroyed first, so the job can run again and again.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${CAIRN_BIN:-}" ]; then cargo build --release --quiet; fi
cairn=${CAIRN_BIN:-target/release/cairn}
latency=${CAIRN_MOCK_LATENCY:-fast}
if $cairn --output json stacks | grep -q '"name": "demo"'; then
  $cairn destroy demo --yes --mock-latency "$latency" >/dev/null
fi
$cairn plan demo -t templates/web-bucket.yaml -p Environment=prod
$cairn apply demo -t templates/web-bucket.yaml -p Environment=prod --yes --mock-latency "$latency"
$cairn resources demo
$cairn plan demo -t templates/web-bucket.yaml -p Environment=staging
$cairn apply demo -t templates/web-bucket.yaml -p Environment=staging --yes
$cairn outputs demo
