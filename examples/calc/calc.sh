#!/bin/sh
# calc.sh — a tiny calculator: calc.sh NUMBER OP NUMBER
# The demo project of claw: it has one open issue (subtraction is missing).
set -eu
if [ $# -ne 3 ]; then
	echo "usage: calc.sh A OP B" >&2
	exit 2
fi
case "$2" in
+) echo $(($1 + $3)) ;;
'*' | x) echo $(($1 * $3)) ;;
*)
	echo "calc.sh: unknown operator $2" >&2
	exit 2
	;;
esac
