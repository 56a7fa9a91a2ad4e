#!/usr/bin/env sh
# Walkthrough: create a stack, inject a failure and watch the automatic rollback, then clean up.
# Runs in a throw-away state directory so it never touches your .cairn/.
set -eu
cd "$(dirname "$0")/.."
. examples/lib/walkthrough.sh

step "1. plan and create the stack"
cairn plan shop -t templates/web-bucket.yaml
cairn apply shop -t templates/web-bucket.yaml --yes --mock-latency "$latency"
expect_status shop CREATE_COMPLETE

step "2. a second stack whose queue fails to create: CloudFormation's automatic rollback"
if cairn apply shop-broken -t templates/web-bucket.yaml --yes --mock-latency "$latency" \
  --mock-fail EventsQueue:create; then
  fail "expected the create to fail"
fi
cairn events shop-broken
cairn stacks --all
expect_status shop-broken ROLLBACK_COMPLETE

step "3. a stack in ROLLBACK_COMPLETE can only be deleted"
cairn destroy shop-broken --yes --mock-latency "$latency"
expect_status shop-broken DELETE_COMPLETE

step "4. destroy the first stack: the log bucket is kept (DeletionPolicy: Retain)"
cairn destroy shop --yes --mock-latency "$latency"
expect_status shop DELETE_COMPLETE
cairn mock list
cairn mock list | grep -q " shop/LogBucket\$" || fail "the retained log bucket is gone"
echo "-> the log bucket outlives its stack, as DeletionPolicy: Retain asks"
echo "ok"
