#!/bin/sh
# Global options, help, version and exit codes.
. "${CLAW_SRCDIR:-.}/tests/cli/lib.sh"

run --version
is "$rc" 0 "--version exits 0"
like "$out" "claw " "and prints the version"

run -h
is "$rc" 0 "-h exits 0"
like "$out" "usage: claw" "and prints usage on stdout"

run issues --help
is "$rc" 0 "--help anywhere on the line"

run
is "$rc" 2 "no command is a usage error"
like "$err" "usage: claw" "with the usage on stderr"

run -C "$tmp/missing" issues
is "$rc" 1 "-C to a missing directory fails"
like "$err" "cannot change to directory $tmp/missing" "and names it"

run -C
is "$rc" 2 "-C without a directory is a usage error"

run issue
is "$rc" 2 "'issue' without 'new' is a usage error"

done_testing
