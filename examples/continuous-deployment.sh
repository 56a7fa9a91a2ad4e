#!/usr/bin/env sh
# Walkthrough: continuous deployment. Every merge to the main branch runs the same CI job, with no person
# in the loop: `cairn plan --detailed-exitcode` is the gate (0: nothing to deploy, 2: changes, 1: the
# template or its parameters are wrong), and `cairn apply --yes` deploys what the plan showed.
# Runs in a throw-away state directory so it never touches your .cairn/.
set -eu
cd "$(dirname "$0")/.."
. examples/lib/walkthrough.sh

# The CI job of every merge: deploy TEMPLATE [-p KEY=VALUE]... to the stack `orders`.
deploy() {
  template=$1
  shift
  if cairn plan orders -t "$template" "$@" --detailed-exitcode; then code=0; else code=$?; fi
  case $code in
    0) echo "-> plan exit 0: nothing to deploy, the job ends here" ;;
    2)
      echo "-> plan exit 2: changes, deploying them"
      cairn apply orders -t "$template" "$@" --yes --mock-latency "$latency"
      ;;
    *)
      echo "-> plan exit $code: the job fails and nothing is deployed"
      return 1
      ;;
  esac
}

step "1. the first merge: the stack does not exist, the plan creates it and the job applies it"
deploy examples/templates/orders.yaml
expect_status orders CREATE_COMPLETE

step "2. a merge that changes nothing the stack is made of (say, the README): the gate stops the job"
deploy examples/templates/orders.yaml
expect_status orders CREATE_COMPLETE

step "3. a merge that changes the template (examples/templates/orders-v2.yaml): the update is applied"
echo "   the topic's display name is reworded and an audit queue subscribes to it"
deploy examples/templates/orders-v2.yaml
expect_status orders UPDATE_COMPLETE

step "4. a merge that sets a value the template does not allow: the plan exits 1, the stack is untouched"
if deploy examples/templates/orders-v2.yaml -p Environment=qa; then
  fail "a parameter outside AllowedValues was deployed"
fi
expect_status orders UPDATE_COMPLETE

step "5. the fix is merged: the environment tag changes on every resource, in place"
deploy examples/templates/orders-v2.yaml -p Environment=staging
expect_status orders UPDATE_COMPLETE

step "6. the job runs again on the same commit (a retried pipeline): nothing to deploy"
deploy examples/templates/orders-v2.yaml -p Environment=staging

step "7. what every merge did, as the stack's events"
cairn events orders | grep ' orders ' || true

step "8. clean up"
cairn destroy orders --yes --mock-latency "$latency"
expect_status orders DELETE_COMPLETE
expect_no_resources orders
echo "ok"
