# src/store — SQLite stores (one file per project).
