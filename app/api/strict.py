"""Strict queries: app-wide dependencies that refuse what a route would otherwise silently ignore.

- :func:`strict_query`: a query parameter the route does not take (``form=csv``,
  ``timezone=...``) or one given twice (``?area=DE_LU&area=FR``) is a 422 naming it, with the
  parameter it most likely meant;
- :func:`country_hint`: an area named by a country whose load the service holds under its
  bidding zone(s) instead (``area=DE`` while only DE_LU is stored) is a 422 suggesting them.

Both raise :class:`app.exceptions.InvalidInputError` (``{"detail", "field", "suggestions"}``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.api.deps import get_database
from app.entsoe.areas import country_zones, get_area
from app.exceptions import InvalidInputError
from app.repositories.coverage import CoverageRepository

# Query parameters that may be repeated (their values are joined, see app.api.params.split).
REPEATABLE = frozenset({"data_type", "areas", "psr_type"})
# Names people use for a parameter that difflib would not find close (too short or unrelated);
# each is suggested only where the route takes it.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "timezone": ("tz",),
    "time_zone": ("tz",),
    "tzinfo": ("tz",),
    "fmt": ("format",),
    "output": ("format",),
    "from": ("start", "start_time"),
    "begin": ("start", "start_time"),
    "start_date": ("start", "start_time"),
    "to": ("end", "end_time"),
    "until": ("end", "end_time"),
    "end_date": ("end", "end_time"),
    "end_time": ("end",),
    "country": ("area", "area_code", "areas"),
    "bidding_zone": ("area", "area_code", "areas"),
    "domain": ("area", "area_code", "areas"),
    "type": ("data_type",),
    "item": ("data_type",),
    "interval": ("resolution",),
    "granularity": ("resolution",),
    "aggregate": ("agg",),
    "aggregation": ("agg",),
    "production_type": ("psr_type",),
    "psr": ("psr_type",),
    "fuel": ("psr_type",),
}
_SHOWN = 5  # unknown names listed in one message
# Query parameters that name areas, on any route.
_AREA_PARAMETERS = ("area", "area_code", "areas")


def _query_names(dependant: Dependant) -> Iterable[str]:
    for param in dependant.query_params:
        yield param.alias
    for sub in dependant.dependencies:
        yield from _query_names(sub)


def _taken(route: APIRoute) -> frozenset[str]:
    """The query parameter names ``route`` reads (its own and its dependencies'); a walk over
    a few dozen objects, cheaper than caching on routes (which are not hashable)."""
    return frozenset(_query_names(route.dependant))


def suggestion(name: str, known: Iterable[str]) -> str | None:
    """The known parameter ``name`` most likely meant: a synonym, else a close spelling."""
    known = sorted(known)
    lowered = name.lower()
    for candidate in SYNONYMS.get(lowered, ()):
        if candidate in known:
            return candidate
    close = difflib.get_close_matches(lowered, known, n=1, cutoff=0.6)
    return close[0] if close else None


async def strict_query(request: Request) -> None:
    """App-wide dependency: every query parameter is one the route takes, each given once."""
    route = request.scope.get("route")
    known = _taken(route) if isinstance(route, APIRoute) else None
    seen: set[str] = set()
    unknown: list[str] = []
    for key, _ in request.query_params.multi_items():
        if known is not None and key not in known:
            if key not in unknown:
                unknown.append(key)
            continue
        if key in seen and key not in REPEATABLE:
            raise InvalidInputError(f"{key[:40]} is given more than once; give it once", field=key)
        seen.add(key)
    if not unknown or known is None:
        return
    hints = [(name[:40], suggestion(name[:40], known)) for name in unknown[:_SHOWN]]
    named = ", ".join(f"{n} (did you mean {s}?)" if s else n for n, s in hints)
    more = f" and {len(unknown) - _SHOWN} more" if len(unknown) > _SHOWN else ""
    takes = f"it takes {', '.join(sorted(known))}" if known else "it takes none"
    plural = "s" if len(unknown) > 1 else ""
    first = hints[0][1]
    raise InvalidInputError(
        f"unknown query parameter{plural} {named}{more}; {takes}",
        field=unknown[0][:40],
        suggestions=[first] if first else [],
    )


async def country_hint(request: Request) -> None:
    """App-wide dependency: ``area=DE`` with nothing stored for DE while its bidding zone DE_LU
    holds data is a 422 suggesting DE_LU (:data:`app.entsoe.areas.COUNTRY_ZONES`).

    Touches the database only when a country with such zones is named. Anything else, an
    unknown area included, is left to the route.
    """
    asked: dict[str, tuple[str, str]] = {}  # country code -> (parameter, as written)
    for key in _AREA_PARAMETERS:
        for value in request.query_params.getlist(key):
            for part in value.split(",")[:100]:
                if country_zones(part):
                    asked.setdefault(get_area(part).code, (key, part.strip()))
    if not asked:
        return
    zones = {zone for code in asked for zone in country_zones(code)}
    database = await get_database(request)
    async with database.session() as session:
        stored = await CoverageRepository(session).stored_areas([*asked, *zones])
    for code, (key, written) in asked.items():
        holding = [zone for zone in country_zones(code) if zone in stored]
        if code not in stored and holding:
            raise InvalidInputError(
                f"nothing is stored for {written[:40]} ({get_area(code).name}); its load is"
                f" stored for the bidding zone{'s' if len(holding) > 1 else ''}"
                f" {', '.join(holding)}: ask for {key}={holding[0]}",
                field=key,
                suggestions=holding,
            )
