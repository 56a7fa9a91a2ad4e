#!/usr/bin/env sh
# Walkthrough: validate a good and a broken CodeDeploy AppSpec file, then print the order in which
# CodeDeploy runs the good file's hooks, in place and blue/green.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${CAIRN_BIN:-}" ]; then cargo build --release --quiet; fi
cairn=${CAIRN_BIN:-target/release/cairn}

echo "== 1. the revision's AppSpec file and buildspec are recognised by their names"
$cairn validate examples/appspec/appspec.yml examples/appspec/buildspec.yml

echo "== 2. a broken AppSpec file: every mistake, with its line and a fix"
if $cairn validate examples/appspec/broken/appspec.yml; then
  echo "expected the broken AppSpec file to fail validation" >&2; exit 1
fi

echo "== 3. the lifecycle events of an in-place deployment, with the file's scripts in place"
$cairn appspec order examples/appspec/appspec.yml

echo "== 4. the same revision deployed blue/green"
$cairn appspec order examples/appspec/appspec.yml --deployment blue-green

echo "== 5. the same as JSON, for other tools"
$cairn --output json appspec order examples/appspec/appspec.yml > /dev/null
echo "ok"
