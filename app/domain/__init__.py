"""Pure domain types and time arithmetic: imports nothing from app (stdlib only)."""
