# src/cli — one file per command.
