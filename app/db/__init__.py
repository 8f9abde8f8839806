"""Database access: engine and sessions, the embedded server, schema and migrations."""
