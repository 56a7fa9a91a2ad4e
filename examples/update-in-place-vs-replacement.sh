#!/usr/bin/env sh
# Walkthrough: an update in place versus a replacement. Most property changes update the existing
# resource: same physical id, no interruption. A property the resource type fixes at creation (create-only
# in its schema, like a queue's FifoQueue) cannot change: CloudFormation creates a new resource, points
# its dependents at it, and deletes the old one in the cleanup phase once every change has succeeded.
# The plan says which is which ("forces replacement") before anything runs.
# Runs in a throw-away state directory so it never touches your .cairn/.
set -eu
cd "$(dirname "$0")/.."
. examples/lib/walkthrough.sh

template=examples/templates/orders.yaml

step "1. create the stack: a standard order queue, its dead-letter queue and a topic"
cairn apply orders -t $template --yes --mock-latency "$latency"
expect_status orders CREATE_COMPLETE
orders_before=$(physical_id orders Orders)
echo "   the order queue is $orders_before"

step "2. a longer visibility timeout: the plan shows an update in place (~), nothing is replaced"
cairn plan orders -t $template -p VisibilityTimeout=120 > "$work/in-place.txt"
cat "$work/in-place.txt"
grep -q "forces replacement" "$work/in-place.txt" && fail "the timeout should not replace anything"
echo "   as change records (--output json), the queue's Replacement is False:"
cairn --output json plan orders -t $template -p VisibilityTimeout=120 | grep '"Replacement"'
cairn apply orders -t $template -p VisibilityTimeout=120 --yes --mock-latency "$latency"
expect_status orders UPDATE_COMPLETE
[ "$(physical_id orders Orders)" = "$orders_before" ] || fail "the queue was replaced"
echo "-> the order queue is still $orders_before"

step "3. switching to FIFO queues: FifoQueue is fixed at creation, the plan says it forces replacement (-/+)"
echo "   (--use-previous keeps the deployed timeout; without it the parameter's default would come back)"
cairn plan orders -t $template -p Ordering=fifo --use-previous VisibilityTimeout > "$work/replace.txt"
cat "$work/replace.txt"
echo "   the lines that force the replacement:"
grep "forces replacement" "$work/replace.txt" || fail "the plan shows no forced replacement"
cairn --output json plan orders -t $template -p Ordering=fifo --use-previous VisibilityTimeout \
  | grep '"Replacement": "True"' || fail "no change record says Replacement True"

step "4. apply it: new queues first, then the cleanup phase deletes the old ones"
cairn apply orders -t $template -p Ordering=fifo --use-previous VisibilityTimeout --yes --mock-latency "$latency"
expect_status orders UPDATE_COMPLETE
orders_after=$(physical_id orders Orders)
[ "$orders_after" != "$orders_before" ] || fail "the queue was not replaced"
echo "-> the order queue is now $orders_after"
echo "   the stack's events: UPDATE_COMPLETE_CLEANUP_IN_PROGRESS is when the old queues are deleted"
cairn events orders > "$work/events.txt"
sed -n '/UPDATE_COMPLETE_CLEANUP_IN_PROGRESS/,$p' "$work/events.txt" | tail -n 8
grep -q "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS" "$work/events.txt" || fail "no cleanup phase in the events"
if cairn mock list | grep -q "$orders_before"; then fail "the old queue is still in the mock cloud"; fi
echo "-> the old queue is gone from the mock cloud"

step "5. clean up"
cairn destroy orders --yes --mock-latency "$latency"
expect_status orders DELETE_COMPLETE
expect_no_resources orders
echo "ok"
