"""GL_MarketDocument and Acknowledgement_MarketDocument XML -> small frozen dataclasses.

Pure functions over bytes. Namespace-agnostic: elements are matched by local name, whatever
namespace version ENTSO-E writes. Loud: an unknown root element or curve type, a missing
mandatory element or an unreadable value raises :class:`ProcessorError` naming the document mRID
and the element. A resolution is read as written; the processor, which knows how each one steps,
refuses one it does not know. Points are read per Period with one compiled XPath per list,
never element by element, because that is where the time goes on a year of hourly data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import cast

from lxml import etree

from app.entsoe.errors import MalformedXmlError, ProcessorError

KNOWN_CURVE_TYPES = frozenset({"A01", "A03"})
NO_DATA_TEXT = "no matching data found"
_OUT_AREA, _IN_AREA = "outBiddingZone_Domain.mRID", "inBiddingZone_Domain.mRID"

# No entity expansion, no network: the bytes come from outside.
_XML_PARSER = etree.XMLParser(
    remove_blank_text=True, remove_comments=True, resolve_entities=False, no_network=True
)


@dataclass(frozen=True, slots=True)
class Period:
    """One Period: ``positions[i]`` (1-based, as written) carries ``quantities[i]``.

    ``start``/``end`` are UTC; the interval is half-open. Points are kept in document order.
    A quantity is any number Decimal reads, NaN and Infinity included: whether it can be
    stored is the processor's question, asked point by point.
    """

    start: datetime
    end: datetime
    resolution: str
    positions: tuple[int, ...]
    quantities: tuple[Decimal, ...]


@dataclass(frozen=True, slots=True)
class TimeSeries:
    """One TimeSeries. ``direction`` is ``"in"`` when it names its area as
    inBiddingZone_Domain (generation), ``"out"`` for outBiddingZone_Domain (load, consumption);
    ``psr_type`` is its MktPSRType/psrType, empty when it has none."""

    mrid: str
    business_type: str
    object_aggregation: str
    area_eic: str
    unit: str
    curve_type: str
    periods: tuple[Period, ...]
    direction: str = "out"
    psr_type: str = ""


@dataclass(frozen=True, slots=True)
class MarketDocument:
    """A GL_MarketDocument; every datetime is aware UTC."""

    mrid: str
    revision_number: int
    document_type: str
    process_type: str
    created_at: datetime
    start: datetime
    end: datetime
    time_series: tuple[TimeSeries, ...]


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    mrid: str
    created_at: datetime
    reasons: tuple[Reason, ...]

    @property
    def is_no_data(self) -> bool:
        """ENTSO-E's "No matching data found": an empty result, not an error."""
        return any(r.text.strip().lower().startswith(NO_DATA_TEXT) for r in self.reasons)


def parse(content: bytes) -> MarketDocument | Acknowledgement:
    """Decode one XML reply. Raises MalformedXmlError (unreadable) or ProcessorError (unknown)."""
    try:
        root = etree.fromstring(content, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedXmlError(f"not well-formed XML: {exc}", element="<xml>") from None
    name = etree.QName(root).localname
    node = _Node(root, "?", name)
    node.doc = node.text("mRID", "?")
    if name == "GL_MarketDocument":
        return _market_document(node)
    if name == "Acknowledgement_MarketDocument":
        return _acknowledgement(node)
    raise node.error("unknown root element", "")


def _local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):  # processing instruction or entity
        return ""
    return tag[tag.rfind("}") + 1 :]


class _Node:
    """An element's children by local name, with the document mRID and path for errors.

    ``only`` stops the scan once each of those names was seen: a Period's Points come after
    its timeInterval and resolution, and there may be thousands of them.
    """

    __slots__ = ("doc", "el", "kids", "where")

    def __init__(
        self, el: etree._Element, doc: str, where: str, only: tuple[str, ...] = ()
    ) -> None:
        self.el, self.doc, self.where = el, doc, where
        self.kids: dict[str, list[etree._Element]] = {}
        for child in el:
            name = _local(child)
            if only and name not in only:
                continue
            self.kids.setdefault(name, []).append(child)
            if only and len(self.kids) == len(only):
                break

    def error(self, message: str, name: str) -> ProcessorError:
        element = f"{self.where}/{name}" if name else self.where
        return ProcessorError(message, document_mrid=self.doc, element=element)

    def all(self, name: str) -> list[etree._Element]:
        return self.kids.get(name, [])

    def child(self, name: str) -> _Node:
        found = self.kids.get(name)
        if not found:
            raise self.error("missing element", name)
        return _Node(found[0], self.doc, f"{self.where}/{name}")

    def text(self, name: str, default: str | None = None) -> str:
        found = self.kids.get(name)
        text = (found[0].text or "").strip() if found else ""
        if text:
            return text
        if default is None:
            raise self.error("missing element" if not found else "empty element", name)
        return default

    def utc(self, name: str) -> datetime:
        """ENTSO-E writes ``2023-03-03T00:00Z`` (or with seconds); a naive time is refused."""
        text = self.text(name)
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise self.error(f"not a datetime: {text!r}", name) from None
        if value.tzinfo is None:
            raise self.error(f"datetime without zone: {text!r}", name)
        return value.astimezone(UTC)

    def interval(self, name: str) -> tuple[datetime, datetime]:
        node = self.child(name)
        start, end = node.utc("start"), node.utc("end")
        if end <= start:
            raise node.error(f"end {end} not after start {start}", "")
        return start, end


@lru_cache(maxsize=16)
def _point_paths(namespace: str | None) -> tuple[etree.XPath, etree.XPath, etree.XPath]:
    """Compiled XPaths for one namespace: Point count, position texts, quantity texts."""
    ns = {"d": namespace} if namespace else None
    p = "d:" if namespace else ""
    return (
        etree.XPath(f"count({p}Point)", namespaces=ns),
        etree.XPath(f"{p}Point/{p}position/text()", namespaces=ns, smart_strings=False),
        etree.XPath(f"{p}Point/{p}quantity/text()", namespaces=ns, smart_strings=False),
    )


def _period(el: etree._Element, doc: str, where: str) -> Period:
    node = _Node(el, doc, where, only=("timeInterval", "resolution"))
    start, end = node.interval("timeInterval")
    resolution = node.text("resolution")
    count_path, position_path, quantity_path = _point_paths(etree.QName(el).namespace)
    # count() gives a float, text() with smart_strings=False a list of str.
    count = int(cast(float, count_path(el)))
    position_texts = cast(list[str], position_path(el))
    quantity_texts = cast(list[str], quantity_path(el))
    if not (count == len(position_texts) == len(quantity_texts)):
        raise node.error(
            f"{count} Points, {len(position_texts)} positions, {len(quantity_texts)} quantities",
            "Point",
        )
    try:
        positions = tuple(map(int, position_texts))
        quantities = tuple(map(Decimal, quantity_texts))
    except (ValueError, InvalidOperation):
        raise node.error(
            "a position is not an integer or a quantity not a number", "Point"
        ) from None
    if positions and min(positions) < 1:
        raise node.error("position below 1", "Point")
    return Period(start, end, resolution, positions, quantities)


def _time_series(el: etree._Element, doc: str, where: str) -> TimeSeries:
    node = _Node(el, doc, where)
    curve_type = node.text("curveType")
    if curve_type not in KNOWN_CURVE_TYPES:
        raise node.error(f"unknown curve type {curve_type!r}", "curveType")
    # Load and consumption series name the area as outBiddingZone, generation as inBiddingZone.
    fields = [f for f in (_OUT_AREA, _IN_AREA) if node.all(f)]
    if len(fields) > 1:
        raise node.error("both inBiddingZone and outBiddingZone: direction unknown", _IN_AREA)
    area_field = fields[0] if fields else _OUT_AREA
    psr_type = ""
    if node.all("MktPSRType"):
        psr_type = node.child("MktPSRType").text("psrType")
        if len(psr_type) != 3:
            raise node.error(f"not a production type: {psr_type!r}", "MktPSRType/psrType")
    return TimeSeries(
        mrid=node.text("mRID"),
        business_type=node.text("businessType"),
        object_aggregation=node.text("objectAggregation", ""),
        area_eic=node.text(area_field),
        unit=node.text("quantity_Measure_Unit.name"),
        curve_type=curve_type,
        periods=tuple(
            _period(p, doc, f"{where}/Period[{i}]") for i, p in enumerate(node.all("Period"), 1)
        ),
        direction="in" if area_field == _IN_AREA else "out",
        psr_type=psr_type,
    )


def _market_document(node: _Node) -> MarketDocument:
    node.doc = node.text("mRID")
    revision = node.text("revisionNumber")
    if not revision.isdigit():
        raise node.error(f"not an integer: {revision!r}", "revisionNumber")
    start, end = node.interval("time_Period.timeInterval")
    return MarketDocument(
        mrid=node.doc,
        revision_number=int(revision),
        document_type=node.text("type"),
        process_type=node.text("process.processType"),
        created_at=node.utc("createdDateTime"),
        start=start,
        end=end,
        time_series=tuple(
            _time_series(ts, node.doc, f"TimeSeries[{i}]")
            for i, ts in enumerate(node.all("TimeSeries"), 1)
        ),
    )


def _acknowledgement(node: _Node) -> Acknowledgement:
    reasons = []
    for i, el in enumerate(node.all("Reason"), 1):
        reason = _Node(el, node.doc, f"Reason[{i}]")
        reasons.append(Reason(reason.text("code"), reason.text("text", "")))
    if not reasons:
        raise node.error("acknowledgement without a Reason", "Reason")
    return Acknowledgement(
        mrid=node.doc, created_at=node.utc("createdDateTime"), reasons=tuple(reasons)
    )
