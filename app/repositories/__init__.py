"""Repositories: they take an AsyncSession, run set-based SQL and never commit."""

from app.repositories.points import Coverage, PointsRepository, UpsertResult

__all__ = ["Coverage", "PointsRepository", "UpsertResult"]
