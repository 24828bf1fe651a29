# tests/server — claw serve through FastCGI and a private nginx (TAP).
