#!/bin/sh
# The clang-format gate, run by make check.
exec "${CLAW_SRCDIR:-.}/tools/check-format"
