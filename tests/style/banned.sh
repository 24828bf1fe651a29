#!/bin/sh
# STYLE.md habit 10, run by make check.
exec "${CLAW_SRCDIR:-.}/tools/check-banned"
