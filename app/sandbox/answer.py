"""One request's query parameters -> the reply ENTSO-E would give (document or acknowledgement).

Pure: depends on the config, the parameters and the clock reading only. Checks in ENTSO-E's
order: mandatory parameters (the area is ``in_Domain`` for generation items,
``outBiddingZone_Domain`` for load), the item, the interval, the interval's size (the item's
"maximum allowed period", :mod:`app.sandbox.limits`), then the data. Acknowledgement texts
mirror the real ones; the status codes too (HTTP 200 for "No matching data found", 400 for the
others); like the real ones they come as text/xml, inline. ``psrType`` (optional) narrows a
per-type item to one production type; a type the area does not have is "No matching data".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from app.entsoe.areas import get_area
from app.entsoe.errors import UnknownAreaError
from app.entsoe.items import IN, ITEMS, OUT, OUT_DOMAIN, Item, item_for
from app.sandbox.config import SandboxConfig
from app.sandbox.documents import DATA_ITEM_NAMES, acknowledgement, market_document
from app.sandbox.limits import exceeds, too_large_text
from app.sandbox.reply import build_reply

MANDATORY = ("documentType", "processType", OUT_DOMAIN, "periodStart", "periodEnd")
MISSING_TEXT = "Mandatory parameter {name} is missing or is empty."
NOT_A_LOAD_ITEM_TEXT = (
    "Input parameters does not fit any Data item. Please check you request against"
    " dependency tables."
)
INVALID_INTERVAL_TEXT = "Delivered time interval is not valid for this Data item."
NO_DATA_TEXT = "No matching data found for Data item {item} ({eic}) and interval {start}/{end}."

_STAMP = re.compile(r"\d{12}")
XML = "text/xml"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    is_document: bool
    points: int = 0


def _ack(status: int, text: str, now: datetime) -> Answer:
    headers = (
        ("content-type", XML),
        ("content-disposition", 'inline; filename="acknowledgement.xml"'),
    )
    return Answer(status, acknowledgement(text, now), headers, is_document=False)


def _stamp(text: str) -> datetime | None:
    """``yyyyMMddHHmm`` in UTC, on a quarter-hour; None when it is anything else."""
    if not _STAMP.fullmatch(text):
        return None
    try:
        value = datetime.strptime(text, "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        return None
    return value if value.minute % 15 == 0 else None


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _item(document_type: str, process_type: str) -> Item | None:
    """The item a request for (documentType, processType) asks for (A75: generation)."""
    for direction in (IN, OUT):
        try:
            return ITEMS[item_for(document_type, process_type, direction).request]
        except KeyError:
            continue
    return None


def answer(config: SandboxConfig, params: Mapping[str, str], now: datetime) -> Answer:
    """The reply to a GET /api with these (already authenticated) query parameters."""
    lowered = {k.lower(): v.strip() for k, v in params.items()}
    # The area parameter is the item's: in_Domain for generation, outBiddingZone_Domain for load.
    known = _item(lowered.get("documenttype", ""), lowered.get("processtype", ""))
    domain = known.domain_param if known is not None else OUT_DOMAIN
    values: dict[str, str] = {}
    for name in (*MANDATORY[:2], domain, *MANDATORY[3:]):
        value = lowered.get(name.lower(), "")
        if not value:
            return _ack(400, MISSING_TEXT.format(name=name[0].upper() + name[1:]), now)
        values[name] = value
    item = _item(values["documentType"], values["processType"])
    if item is None:
        return _ack(400, NOT_A_LOAD_ITEM_TEXT, now)
    start, end = _stamp(values["periodStart"]), _stamp(values["periodEnd"])
    if start is None or end is None or end <= start:
        return _ack(400, INVALID_INTERVAL_TEXT, now)
    period = config.max_periods[item.data_type]
    if exceeds(period, start, end):
        return _ack(400, too_large_text(item.data_type, period, start, end), now)
    name = DATA_ITEM_NAMES[item.data_type]
    eic = values[domain]
    no_data = NO_DATA_TEXT.format(item=name, eic=eic, start=_iso(start), end=_iso(end))
    try:
        area = get_area(eic)
    except UnknownAreaError:
        return _ack(200, no_data, now)
    # psrType narrows a per-type item to one production type (case as sent: B16, not b16).
    psr = lowered.get("psrtype") or None if item.per_psr else None
    reply = build_reply(config, area, item.data_type, start, end, now, psr)
    if not reply.series:
        return _ack(200, no_data, now)
    key = f"{config.seed}|{area.eic}|{item.document_type}|{item.process_type}|{start}|{end}"
    body = market_document(reply, config.curve_type, key)
    filename = (
        f"{item.document_type}_{item.process_type}_{area.code}_"
        f"{reply.start:%Y%m%d%H%M}-{reply.end:%Y%m%d%H%M}.xml"
    )
    headers = (
        ("content-type", XML),
        ("content-disposition", f'inline; filename="{filename}"'),
    )
    return Answer(200, body, headers, is_document=True, points=reply.point_count)
