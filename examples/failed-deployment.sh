#!/usr/bin/env sh
# Walkthrough: a failed deployment. When a resource fails during an update, CloudFormation rolls the stack
# back by itself: every resource already updated is restored to its previous properties and what the
# update created is deleted, ending in UPDATE_ROLLBACK_COMPLETE with the previous resources intact. With
# `--on-failure do-nothing` the stack stays in UPDATE_FAILED for inspection and `cairn rollback` returns
# it to its last stable state. When the rollback itself fails (UPDATE_ROLLBACK_FAILED), `cairn
# continue-rollback` finishes it, skipping the resources that cannot be restored.
# Failures are injected into the mock cloud with `--mock-fail LOGICAL_ID:OPERATION[#N]` (#N: only the
# N-th such call fails). Runs in a throw-away state directory so it never touches your .cairn/.
set -eu
cd "$(dirname "$0")/.."
. examples/lib/walkthrough.sh

template=examples/templates/orders.yaml
change="-p Environment=prod -p VisibilityTimeout=120"

# What the mock cloud holds: every resource with its physical id and properties.
cloud() {
  cairn --output json mock list
}

step "1. create the stack"
cairn apply orders -t $template --yes --mock-latency "$latency"
expect_status orders CREATE_COMPLETE
cloud > "$work/before.json"

step "2. the update: new tags everywhere and a longer timeout on the order queue"
cairn plan orders -t $template $change

step "3. the order queue fails to update: the queue and topic already updated are restored automatically"
if cairn apply orders -t $template $change --yes --mock-latency "$latency" --mock-fail Orders:update; then
  fail "the update should have failed"
fi
expect_status orders UPDATE_ROLLBACK_COMPLETE
cairn events orders | sed -n '/UPDATE_ROLLBACK_IN_PROGRESS/,$p'
cloud > "$work/after.json"
cmp -s "$work/before.json" "$work/after.json" || fail "the mock cloud differs from before the update"
echo "-> every resource has its previous physical id and properties"

step "4. the same failure with --on-failure do-nothing: the stack stays in UPDATE_FAILED as the failure left it"
if cairn apply orders -t $template $change --yes --mock-latency "$latency" --mock-fail Orders:update \
  --on-failure do-nothing; then
  fail "the update should have failed"
fi
expect_status orders UPDATE_FAILED
echo "   the dead-letter queue and the topic already carry the new tags; look at them, then roll back:"
cairn resources orders
cairn rollback orders --mock-latency "$latency"
expect_status orders UPDATE_ROLLBACK_COMPLETE
cloud > "$work/after.json"
cmp -s "$work/before.json" "$work/after.json" || fail "the mock cloud differs from before the update"
echo "-> back to the last stable state"

step "5. a failure during the rollback: the topic cannot be restored (its second update call fails too)"
if cairn apply orders -t $template $change --yes --mock-latency "$latency" \
  --mock-fail Orders:update --mock-fail Announcements:update#2; then
  fail "the update should have failed"
fi
expect_status orders UPDATE_ROLLBACK_FAILED
echo "   no update is accepted until the rollback is finished:"
if cairn plan orders -t $template; then fail "a stack in UPDATE_ROLLBACK_FAILED was planned"; fi

step "6. continue the rollback, skipping the topic: CloudFormation takes it as rolled back without calling it"
cairn continue-rollback orders --skip Announcements --mock-latency "$latency"
expect_status orders UPDATE_ROLLBACK_COMPLETE
cairn events orders | sed -n '/UPDATE_ROLLBACK_FAILED/,$p'

step "7. a skipped resource is not restored: the topic still carries the new tag, the stack records the old one"
cloud > "$work/after.json"
if cmp -s "$work/before.json" "$work/after.json"; then fail "the skipped topic was restored"; fi
diff -u "$work/before.json" "$work/after.json" | sed 1,2d || true
echo "   plans compare templates with what the stack records, so they see nothing to do:"
cairn plan orders -t $template --detailed-exitcode
echo "   bring the topic back by hand (here: in the mock cloud) to match the stack again"
cairn mock set "$(physical_id orders Announcements)" Tags '[{"Key": "environment", "Value": "dev"}]'
cloud > "$work/after.json"
cmp -s "$work/before.json" "$work/after.json" || fail "the mock cloud differs from before the update"
echo "-> every resource is as the stack records it"

step "8. clean up"
cairn destroy orders --yes --mock-latency "$latency"
expect_status orders DELETE_COMPLETE
expect_no_resources orders
echo "ok"
