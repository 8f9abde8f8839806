"""POST /api/v1/collect-data (X-API-Key) and GET /api/v1/collect-jobs/{job_id}.

A request whose plan needs at most ``COLLECTION__INLINE_MAX_WINDOWS`` ENTSO-E windows runs
inline and answers 200 with the summary; a larger one answers 202 with a job id whose progress
``GET /api/v1/collect-jobs/{job_id}`` reports. A collection for an area and item that another one
(any replica) is running waits up to ``COLLECTION__LOCK_WAIT`` seconds, then is skipped, listed,
and never counted as done (the statuses: ``_DESCRIPTION``, shown in the OpenAPI document).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)

from app.api import params as qp
from app.api.deps import (
    CollectionServiceDep,
    CollectJobsDep,
    KeyFirstRoute,
    SessionDep,
    SettingsDep,
    require_api_key,
)
from app.api.responses import OrjsonResponse
from app.config import Settings
from app.entsoe.areas import get_area
from app.entsoe.errors import UnknownAreaError
from app.entsoe.items import ITEMS, DataType
from app.exceptions import InvalidInputError, NotFoundError
from app.repositories.runs import CollectionRunRepository
from app.services.collect_jobs import job_report
from app.services.publication import published_until
from app.services.results import overall_status, totals
from app.services.selection import ALL, request_types

router = APIRouter(prefix="/api/v1", tags=["collection"])


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _every_item_for_all(value: Any) -> Any:
    """``all`` (alone or among others) stands for every item."""
    values = _as_list(value)
    if isinstance(values, list) and any(
        isinstance(v, str) and v.strip().lower() == ALL for v in values
    ):
        return list(DataType)
    return values


_DATA_TYPE_SCHEMA = {"type": "string", "enum": [*(t.value for t in DataType), ALL]}


class CollectRequest(BaseModel):
    """What to collect: every (area, data type) pair over [start, end)."""

    model_config = ConfigDict(extra="forbid")

    areas: Annotated[
        list[Annotated[str, Field(max_length=64)]],
        BeforeValidator(_as_list),
        Field(min_length=1, max_length=100),
    ] = Field(description="area short codes or EIC codes (a single string is accepted)")
    data_types: Annotated[
        list[Annotated[DataType, WithJsonSchema(_DATA_TYPE_SCHEMA)]],
        BeforeValidator(_every_item_for_all),
        Field(min_length=1, max_length=len(DataType)),
    ] = Field(
        default_factory=lambda: list(DataType),
        description="data types, or `all` (the default) for every item; an item that comes in"
        " another's documents is collected with it (generation stores generation_consumption too,"
        " generation_forecast consumption_forecast): one collection per request",
    )
    start: Annotated[AwareDatetime, BeforeValidator(qp.iso_datetime)] = Field(
        description="inclusive, ISO 8601 with a UTC offset"
    )
    end: Annotated[AwareDatetime, BeforeValidator(qp.iso_datetime)] = Field(
        description="exclusive, ISO 8601 with a UTC offset"
    )


def _validate(
    body: CollectRequest, settings: Settings, now: datetime
) -> tuple[list[tuple[str, DataType]], datetime, datetime]:
    """The (area, request data type) pairs and [start, end) in UTC; 422 naming the field
    otherwise. Pairs come per request (:mod:`app.services.selection`)."""
    codes: list[str] = []
    for i, code in enumerate(body.areas):
        try:
            codes.append(get_area(code).code)
        except UnknownAreaError as exc:
            raise InvalidInputError(
                str(exc), field=f"areas[{i}]", suggestions=exc.suggestions
            ) from None
    start, end = qp.utc_range(body.start, body.end)  # within 1900..2200, end > start
    limit = settings.collection.api_max_range
    if end - start > limit:
        raise InvalidInputError(
            f"start..end spans {end - start}, more than the allowed {limit}; split the request"
            " or use `energy-data-service backfill`",
            field="end",
        )
    types = list(dict.fromkeys(body.data_types))
    actuals = [t for t in types if ITEMS[t].horizon == timedelta(0)]
    if actuals:
        published = published_until(actuals[0], codes[0], now)
        if end > published:
            raise InvalidInputError(
                f"{actuals[0].value} is not published for the future: end must be at most"
                f" {published.isoformat()}",
                field="end",
            )
    return [(c, dt) for c in codes for dt in request_types(types)], start, end


async def collect_data(
    body: CollectRequest,
    settings: SettingsDep,
    service: CollectionServiceDep,
    jobs: CollectJobsDep,
) -> OrjsonResponse:
    pairs, start, end = _validate(body, settings, datetime.now(UTC))
    planned = sum(len(service.plan(dt, start, end)) for _, dt in pairs)
    lock_wait = settings.collection.lock_wait
    if planned > settings.collection.inline_max_windows:
        job_id = await jobs.submit(pairs, start, end, lock_wait=lock_wait)
        url = f"{router.prefix}/collect-jobs/{job_id}"
        content = {"job_id": str(job_id), "status": "pending", "windows_planned": planned}
        return OrjsonResponse(
            {**content, "status_url": url}, status_code=202, headers={"Location": url}
        )
    summaries = [
        await service.collect(area, dt, start, end, trigger="api", lock_wait=lock_wait)
        for area, dt in pairs
    ]
    return OrjsonResponse(
        {
            "status": overall_status([s.status for s in summaries]),
            "windows_planned": planned,
            "totals": totals(summaries),
            "skipped": [
                {"area": s.area_code, "data_type": s.data_type}
                for s in summaries
                if s.status == "skipped"
            ],
            "collections": [s.as_dict() for s in summaries],
        }
    )


_DESCRIPTION = """Collects every (area, data type) pair over [start, end) (`data_types`: `all`, the
default, is every item; `generation` also stores `generation_consumption`, which comes in the same
documents, and `generation_forecast` `consumption_forecast`: each such pair is one collection,
reported under the requested document's data type). A request needing at most
`COLLECTION__INLINE_MAX_WINDOWS` ENTSO-E windows runs inline and answers 200 with the summary;
a larger one answers 202 with a job whose `status_url` reports the same summary when done.

A pair that another collection (any replica) is running is waited for up to
`COLLECTION__LOCK_WAIT` seconds, then **skipped**: nothing is asked for it, and it is listed in
`skipped` (and as a collection with status `skipped`); ask again later. The overall `status`:

- `succeeded`: every pair was collected without a failed window;
- `skipped`: every pair was skipped; nothing was collected;
- `failed`: nothing was stored: every pair failed, or failed or was skipped;
- `partial`: some pairs were collected, but not everything asked for: windows failed, or some
  pairs were skipped (the collection holding a pair's lock may cover another range, so a skipped
  pair is never counted as done).
"""


# Added with its own route class: the key is checked before the body is read (KeyFirstRoute).
router.add_api_route(
    "/collect-data",
    collect_data,
    methods=["POST"],
    summary="Collect ENTSO-E data now: inline when small, else a background job (202)",
    description=_DESCRIPTION,
    dependencies=[Depends(require_api_key)],
    responses={
        202: {"description": "accepted as a background job; poll `status_url`"},
        401: {"description": "no X-API-Key"},
        403: {"description": "wrong X-API-Key"},
        413: {"description": "body larger than API__MAX_BODY_BYTES"},
        422: {"description": "invalid request; `field` names the parameter"},
    },
    route_class_override=KeyFirstRoute,
)


@router.get(
    "/collect-jobs/{job_id}",
    summary="Progress and final summary of a background collection",
    description="`status`: `pending`, `running`, then as for POST /collect-data (`succeeded`,"
    " `skipped`, `failed`, `partial`), with the skipped pairs listed in `skipped`.",
    responses={404: {"description": "no such job"}},
)
async def collect_job(job_id: uuid.UUID, session: SessionDep) -> OrjsonResponse:
    runs = await CollectionRunRepository(session).for_job(job_id)
    if not runs:
        raise NotFoundError(f"no collection job {job_id}", field="job_id")
    return OrjsonResponse(job_report(job_id, runs))
