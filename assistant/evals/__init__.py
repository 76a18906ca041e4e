"""Eval suites: case schema, runner, scorers and reports (imported only by the CLI)."""
