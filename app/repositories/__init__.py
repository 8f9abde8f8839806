"""Repositories: they take an AsyncSession, run set-based SQL and never commit."""
