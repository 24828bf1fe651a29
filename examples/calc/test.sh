#!/bin/sh
# test.sh — the demo project's test suite: ./test.sh, exit 0 when all pass.
cd "$(dirname "$0")" || exit 1
fail=0
check() { # expected A OP B
	got=$(sh ./calc.sh "$2" "$3" "$4" 2>&1)
	if [ "$got" = "$1" ]; then
		echo "ok   $2 $3 $4 = $1"
	else
		echo "FAIL $2 $3 $4: expected $1, got $got"
		fail=1
	fi
}
check 5 2 + 3
check 6 2 x 3
check 4 7 - 3
exit $fail
