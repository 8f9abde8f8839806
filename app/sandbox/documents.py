"""GL_MarketDocument and Acknowledgement_MarketDocument bytes, laid out like ENTSO-E's own.

Built from string templates and one join (an element tree would cost more than the values).
Element names, order, namespaces and indentation follow the real replies recorded in 2026
(../shared/entsoe-samples/real/). No wall clock anywhere: createdDateTime is the sandbox clock
at the answer, and mRIDs are hashes (of the request and the content for a document, of the
time and the text for an acknowledgement), so the same request at the same clock reading gives
the same bytes.
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime
from xml.sax.saxutils import escape

from app.entsoe.items import ITEMS, DataType
from app.sandbox.limits import ARTICLES, EXPORT_NAMES
from app.sandbox.reply import Reply

GL_NAMESPACE = "urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0"
ACK_NAMESPACE = "urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0"
PLATFORM_EIC = "10X1001A1001A450"  # ENTSO-E's Transparency Platform, sender and receiver

_RECEIVER = f'<receiver_MarketParticipant.mRID codingScheme="A01">{PLATFORM_EIC}</receiver_'
_HEAD = f"""<?xml version="1.0" encoding="UTF-8"?>
<GL_MarketDocument xmlns="{GL_NAMESPACE}">
  <mRID>%s</mRID>
  <revisionNumber>%d</revisionNumber>
  <type>%s</type>
  <process.processType>%s</process.processType>
  <sender_MarketParticipant.mRID codingScheme="A01">{PLATFORM_EIC}</sender_MarketParticipant.mRID>
  <sender_MarketParticipant.marketRole.type>A32</sender_MarketParticipant.marketRole.type>
  {_RECEIVER}MarketParticipant.mRID>
  <receiver_MarketParticipant.marketRole.type>A33</receiver_MarketParticipant.marketRole.type>
  <createdDateTime>%s</createdDateTime>
  <time_Period.timeInterval>
    <start>%s</start>
    <end>%s</end>
  </time_Period.timeInterval>"""
# objectAggregation A08 for a series per production type, A01 for a total (load, A71).
_SERIES = """
    <TimeSeries>
      <mRID>%d</mRID>
      <businessType>%s</businessType>
      <objectAggregation>%s</objectAggregation>
      <%sBiddingZone_Domain.mRID codingScheme="A01">%s</%sBiddingZone_Domain.mRID>
      <quantity_Measure_Unit.name>MAW</quantity_Measure_Unit.name>
      <curveType>%s</curveType>%s"""
_PSR = """
      <MktPSRType>
        <psrType>%s</psrType>
      </MktPSRType>"""
_PERIOD = """
        <Period>
          <timeInterval>
            <start>%s</start>
            <end>%s</end>
          </timeInterval>
          <resolution>%s</resolution>"""
_POINT_A = "\n            <Point>\n              <position>"
_POINT_B = "</position>\n              <quantity>"
_POINT_C = "</quantity>\n            </Point>"
_PERIOD_END = "\n        </Period>"
_SERIES_END = "\n    </TimeSeries>"
_TAIL = "\n</GL_MarketDocument>"

_ACK = f"""<?xml version="1.0" encoding="UTF-8"?>
<Acknowledgement_MarketDocument
\txmlns="{ACK_NAMESPACE}">
\t<mRID>%s</mRID>
\t<createdDateTime>%s</createdDateTime>
\t<sender_MarketParticipant.mRID codingScheme="A01">{PLATFORM_EIC}</sender_MarketParticipant.mRID>
\t<sender_MarketParticipant.marketRole.type>A32</sender_MarketParticipant.marketRole.type>
\t{_RECEIVER}MarketParticipant.mRID>
\t<receiver_MarketParticipant.marketRole.type>A39</receiver_MarketParticipant.marketRole.type>
\t<received_MarketDocument.createdDateTime>%s</received_MarketDocument.createdDateTime>
\t<Reason>
\t\t<code>999</code>
\t\t<text>%s</text>
\t</Reason>
</Acknowledgement_MarketDocument>"""


def minute_text(epoch: int) -> str:
    """``2023-03-03T00:00Z``: how ENTSO-E writes interval bounds."""
    return time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(epoch))


def second_text(moment: datetime) -> str:
    """``2023-03-03T00:00:00Z``: how ENTSO-E writes createdDateTime."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(moment.timestamp())))


def market_document(reply: Reply, curve_type: str, request_key: str) -> bytes:
    """The GL_MarketDocument for ``reply``.

    Under A03 a Period writes its first position and the first of every run of equal values, and
    leaves out only the repeats (as every real A03 document does); A01 writes every position.
    """
    eic = reply.area.eic
    parts: list[str] = []
    add, extend = parts.append, parts.extend
    for number, series in enumerate(reply.series, 1):
        psr, direction = series.psr_type, series.direction
        aggregation, mkt = ("A08", _PSR % psr) if psr else ("A01", "")
        add(_SERIES % (number, series.business_type, aggregation, direction, eic, direction,
                       curve_type, mkt))  # fmt: skip
        for period in series.periods:
            add(_PERIOD % (minute_text(period.start), minute_text(period.end), period.resolution))
            q = period.quantities
            if curve_type == "A03":
                keep = [0, *(i for i in range(1, len(q)) if q[i] != q[i - 1])]
                extend([f"{_POINT_A}{i + 1}{_POINT_B}{q[i]}{_POINT_C}" for i in keep])
            else:
                extend([f"{_POINT_A}{i}{_POINT_B}{v}{_POINT_C}" for i, v in enumerate(q, 1)])
            add(_PERIOD_END)
        add(_SERIES_END)
    add(_TAIL)
    body = "".join(parts).encode()
    created = second_text(reply.created_at)
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{request_key}|{reply.revision_number}|{created}|".encode())
    digest.update(body)
    item = ITEMS[reply.data_type]
    head = _HEAD % (
        digest.hexdigest(),
        reply.revision_number,
        item.document_type,
        item.process_type,
        created,
        minute_text(int(reply.start.timestamp())),
        minute_text(int(reply.end.timestamp())),
    )
    return head.encode() + body


def acknowledgement(text: str, created: datetime) -> bytes:
    """An Acknowledgement_MarketDocument with reason 999 and ``text`` (escaped here).

    Its mRID has the platform's form: a version-4 UUID cut to 15 characters
    (``312c6f8d-0bae-4``), so the last one is always the version digit 4.
    """
    stamp = second_text(created)
    h = hashlib.blake2b(f"{stamp}|{text}".encode(), digest_size=8).hexdigest()
    return (_ACK % (f"{h[:8]}-{h[8:12]}-4", stamp, stamp, escape(text))).encode()


# Data item names as ENTSO-E's acknowledgements spell them.
DATA_ITEM_NAMES: dict[DataType, str] = {
    DataType.ACTUAL: "Actual Total Load [6.1.A]",
    DataType.DAY_AHEAD: "Day-ahead Total Load Forecast [6.1.B]",
    DataType.WEEK_AHEAD: "TOTAL_LOAD_FORECAST [6.1.C&D&E]",
    DataType.MONTH_AHEAD: "TOTAL_LOAD_FORECAST [6.1.C&D&E]",
    DataType.YEAR_AHEAD: "TOTAL_LOAD_FORECAST [6.1.C&D&E]",
    DataType.FORECAST_MARGIN: "Year-ahead Forecast Margin [8.1]",
    **{t: f"{EXPORT_NAMES[t]} [{article}]" for t, article in ARTICLES.items()},
}
