"""A request example for every operation of the OpenAPI document (/docs, /redoc, /openapi.json).

Each parameter and request body gets an ``example`` (Swagger UI fills "Try it out" with it) and
each operation a curl line (``x-codeSamples``, shown by ReDoc). The examples are one table here,
next to each other so they tell one story (Germany's spring DST day, 23 hours); the tests check
that every parameter of every operation has one, that none names a parameter that no longer
exists, and that every example request is accepted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI

SERVER = "http://localhost:8000"  # API__PORT's default; only shown in the curl lines
_DAY = {"start": "2024-03-31T00:00:00+01:00", "end": "2024-04-01T00:00:00+02:00"}

PARAMETERS: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "/api/v1/energy-data"): {
        "area": "DE_LU",
        **_DAY,
        "data_type": ["generation", "wind_solar_day_ahead"],
        "business_type": "A01",
        "psr_type": ["solar", "B19"],
        "resolution": "PT1H",
        "agg": "mean",
        "tz": "Europe/Berlin",
        "format": "json",
        "layout": "wide",
    },
    ("get", "/api/v1/production-types"): {"area": "DE_LU"},
    ("get", "/api/v1/load-data"): {
        "area_code": "DE_LU",
        "start_time": _DAY["start"],
        "end_time": _DAY["end"],
        "business_type": "A04",
    },
    ("get", "/api/v1/energy-data/latest"): {
        "areas": ["DE_LU", "FR"],
        "data_type": ["actual"],
        "tz": "Europe/Berlin",
    },
    ("get", "/api/v1/areas"): {"stored_only": True},
    ("get", "/status"): {"months": 12, "area": "DE_LU"},
    ("get", "/api/v1/coverage"): {
        "area": "DE_LU",
        "data_type": ["actual"],
        "start": "2024-01-01T00:00:00+01:00",
        "end": "2025-01-01T00:00:00+01:00",
        "max_gaps": 10,
        "tz": "Europe/Berlin",
    },
    ("get", "/api/v1/forecast-accuracy"): {
        "area": "DE_LU",
        "start": "2024-03-01T00:00:00+01:00",
        "end": _DAY["end"],
        "resolution": "P7D",
        "tz": "Europe/Berlin",
    },
    ("get", "/api/v1/collect-jobs/{job_id}"): {"job_id": "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"},
    ("post", "/api/v1/collect-data"): {"x-api-key": "your-api-key"},
}

BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/v1/collect-data"): {
        "areas": ["DE_LU"],
        "data_types": ["actual", "day_ahead"],
        **_DAY,
    },
}


def add_examples(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (an OpenAPI dict) with the examples of this module added, in place.

    Raises KeyError for an example whose parameter is not in the document: a renamed parameter
    must take its example along.
    """
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            given = PARAMETERS.get((method, path), {})
            declared = {p["name"] for p in operation.get("parameters", [])}
            unknown = set(given) - declared
            if unknown:
                raise KeyError(f"examples for undeclared parameters of {method} {path}: {unknown}")
            for parameter in operation.get("parameters", []):
                if parameter["name"] in given:
                    parameter["example"] = given[parameter["name"]]
            body = BODIES.get((method, path))
            if body is not None:
                operation["requestBody"]["content"]["application/json"]["example"] = body
            operation["x-codeSamples"] = [
                {"lang": "Shell", "label": "curl", "source": curl(method, path, given, body)}
            ]
    return document


def curl(method: str, path: str, params: dict[str, Any], body: dict[str, Any] | None) -> str:
    """The example request as one curl command line."""
    query = {k: v for k, v in params.items() if f"{{{k}}}" not in path and k != "x-api-key"}
    url = SERVER + path.format(**params)
    if query:
        url += "?" + urlencode(query, doseq=True, safe=":,/")
    parts = ["curl", "-sS"]
    if method != "get":
        parts += ["-X", method.upper()]
    if "x-api-key" in params:
        parts += ["-H", f"'X-API-Key: {params['x-api-key']}'"]
    if body is not None:
        parts += ["-H", "'Content-Type: application/json'", "-d", f"'{json.dumps(body)}'"]
    return " ".join([*parts, f"'{url}'"])


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` answer the document with the examples (built once, then cached)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_examples(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
