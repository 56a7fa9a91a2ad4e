#!/usr/bin/env sh
# Walkthrough: create a stack, inject a failure and watch the automatic rollback, then clean up.
# Runs in a throw-away state directory so it never touches your .cairn/.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${CAIRN_BIN:-}" ]; then cargo build --release --quiet; fi
state=$(mktemp -d)/state.db
cairn="${CAIRN_BIN:-target/release/cairn} --state $state"

echo "== 1. plan and create the stack"
$cairn plan shop -t templates/web-bucket.yaml
$cairn apply shop -t templates/web-bucket.yaml --yes

echo "== 2. a second stack whose queue fails to create: CloudFormation's automatic rollback"
if $cairn apply shop-broken -t templates/web-bucket.yaml --yes --mock-fail EventsQueue:create; then
  echo "expected the create to fail" >&2; exit 1
fi
$cairn events shop-broken
$cairn stacks --all

echo "== 3. a stack in ROLLBACK_COMPLETE can only be deleted"
$cairn destroy shop-broken --yes

echo "== 4. destroy the first stack: the log bucket is kept (DeletionPolicy: Retain)"
$cairn destroy shop --yes
$cairn mock list
