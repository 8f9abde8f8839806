"""Repositories: they take an AsyncSession, run set-based SQL and never commit."""

from app.repositories.energy_data import Coverage, EnergyDataRepository, UpsertResult

__all__ = ["Coverage", "EnergyDataRepository", "UpsertResult"]
