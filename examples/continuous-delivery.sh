#!/usr/bin/env sh
# Walkthrough: continuous delivery. Every release is prepared as a change set, reviewed by a person
# (`changeset describe`, as text or as CloudFormation's JSON for tools), and only then executed, exactly
# as reviewed. A change set made before another one was executed can no longer be executed: it is
# OBSOLETE. Runs in a throw-away state directory so it never touches your .cairn/.
set -eu
cd "$(dirname "$0")/.."
. examples/lib/walkthrough.sh

# expect_change_set STACK NAME EXECUTION_STATUS
expect_change_set() {
  got=$(cairn changeset list "$1" | awk -v n="$2" '$1 == n { print $4 }')
  [ "$got" = "$3" ] || fail "expected change set \`$2\` to be $3, found ${got:-no change set}"
  echo "-> change set \`$2\` is $3"
}

step "1. the first release is a change set of type CREATE: the stack waits for review, nothing exists yet"
cairn changeset create orders release-1 -t examples/templates/orders.yaml \
  --description "first release of the order queues"
expect_status orders REVIEW_IN_PROGRESS
expect_change_set orders release-1 AVAILABLE

step "2. the reviewer approves it: execute the change set"
cairn changeset execute orders release-1 --mock-latency "$latency"
expect_status orders CREATE_COMPLETE
expect_change_set orders release-1 EXECUTE_COMPLETE

step "3. the next release is prepared: a change set for the changed template"
cairn changeset create orders release-2 -t examples/templates/orders-v2.yaml \
  --description "announce to an audit queue" > /dev/null
echo "   the stack does not change until the change set is executed:"
expect_status orders CREATE_COMPLETE

step "4. the review, as a person reads it: what is added, what changes, what would be replaced"
cairn changeset describe orders release-2

step "5. the same change set as CloudFormation's DescribeChangeSet JSON, for tools and policy checks"
cairn --output json changeset describe orders release-2 > "$work/release-2.json"
cat "$work/release-2.json"
grep -q '"Action": "Add"' "$work/release-2.json" || fail "the JSON has no Add record"
grep -q '"Replacement": "True"' "$work/release-2.json" && fail "release-2 should replace nothing"
echo "-> two resources added, one modified, none replaced: approved"

step "6. meanwhile someone prepares another change set from the same deployed stack"
cairn changeset create orders prod-tags -t examples/templates/orders.yaml -p Environment=prod > /dev/null
cairn changeset list orders

step "7. release-2 is executed; prod-tags was made against the stack before it, so it becomes OBSOLETE"
cairn changeset execute orders release-2 --mock-latency "$latency"
expect_status orders UPDATE_COMPLETE
expect_change_set orders release-2 EXECUTE_COMPLETE
expect_change_set orders prod-tags OBSOLETE
cairn changeset list orders

step "8. an obsolete change set is refused: what was reviewed is no longer what would run"
if cairn changeset execute orders prod-tags --mock-latency "$latency"; then
  fail "an obsolete change set was executed"
fi
expect_status orders UPDATE_COMPLETE

step "9. delete it, and prepare the change again from the stack as it is now"
cairn changeset delete orders prod-tags
cairn changeset create orders prod-tags-2 -t examples/templates/orders-v2.yaml -p Environment=prod
cairn changeset execute orders prod-tags-2 --mock-latency "$latency"
expect_status orders UPDATE_COMPLETE

step "10. clean up"
cairn destroy orders --yes --mock-latency "$latency"
expect_status orders DELETE_COMPLETE
expect_no_resources orders
echo "ok"
