"""The service's JSON response: orjson, datetimes in ISO 8601 (UTC as ``Z``), numpy arrays."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse

JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z


class OrjsonResponse(JSONResponse):
    """FastAPI's own ORJSONResponse is deprecated; this one is the few lines it needs."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=JSON_OPTIONS)
