"""Command-line front end: translates arguments into calls and results into tables or JSON."""
