# Sourced by the walkthroughs of examples/ (from the repository root): the `cairn` binary run against a
# throw-away state directory, the mock cloud's latency, and the checks that make a walkthrough fail as
# soon as a stack is not in the status it expects.
#
#   CAIRN_BIN           the binary to run (default: target/release/cairn, built first)
#   CAIRN_MOCK_LATENCY  the mock cloud's latency per operation: 0, fast (default), realistic, or milliseconds

if [ -z "${CAIRN_BIN:-}" ]; then cargo build --release --quiet; fi
cairn_bin=${CAIRN_BIN:-target/release/cairn}
latency=${CAIRN_MOCK_LATENCY:-fast}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Every command of the walkthrough uses its own state store (and the mock cloud beside it).
cairn() {
  "$cairn_bin" --state "$work/state.db" "$@"
}

step() {
  echo
  echo "== $*"
}

fail() {
  echo "walkthrough failed: $*" >&2
  exit 1
}

# The status of STACK, empty when the stack does not exist.
stack_status() {
  cairn stacks --all | awk -v s="$1" '$1 == s { print $2 }'
}

# expect_status STACK STATUS
expect_status() {
  got=$(stack_status "$1")
  [ "$got" = "$2" ] || fail "expected stack \`$1\` in $2, found ${got:-no stack}"
  echo "-> stack \`$1\` is $2"
}

# The physical id of a resource of a stack.
physical_id() { # STACK LOGICAL_ID
  cairn resources "$1" | awk -v id="$2" '$1 == id { print $3 }'
}

# expect_no_resources STACK: nothing of the stack is left in the mock cloud.
expect_no_resources() {
  left=$(cairn mock list | awk -v s="$1/" 'index($3, s) == 1' | wc -l)
  [ "$left" -eq 0 ] || fail "$left resources of \`$1\` are left in the mock cloud"
  echo "-> nothing of \`$1\` is left in the mock cloud"
}
