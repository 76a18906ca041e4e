"""Persistence: one SQLite file (plain SQL, Postgres-ready) with versioned migrations."""
