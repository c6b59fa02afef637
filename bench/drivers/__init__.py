"""Programs the bench runs in their own process; each writes a JSON report file."""
