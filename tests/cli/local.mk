# tests/cli — the real claw binary against a temporary CLAW_HOME.
