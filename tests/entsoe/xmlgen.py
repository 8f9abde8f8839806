"""Build small GL_MarketDocuments for tests (the real samples cover what ENTSO-E sends)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

NS = "urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0"


def stamp(value: datetime) -> str:
    return f"{value.year:04d}-{value:%m-%dT%H:%M}Z"  # %Y writes year 1 as "1"


@dataclass
class P:
    start: datetime
    end: datetime
    resolution: str
    points: Sequence[tuple[int, str]]


@dataclass
class TS:
    periods: Sequence[P]
    business_type: str = "A04"
    curve_type: str = "A01"
    area: str = "10YCZ-CEPS-----N"
    mrid: str = "1"
    extra: str = ""
    direction: str = "out"  # "in": inBiddingZone_Domain (generation)
    psr_type: str = ""  # written as MktPSRType/psrType when set


@dataclass
class Doc:
    series: Sequence[TS] = field(default_factory=list)
    document_type: str = "A65"
    process_type: str = "A16"
    mrid: str = "doc-1"
    revision: str = "1"
    created: str = "2024-01-02T03:04:05Z"
    namespace: str | None = NS
    root: str = "GL_MarketDocument"

    def xml(self) -> bytes:
        starts = [p.start for ts in self.series for p in ts.periods]
        ends = [p.end for ts in self.series for p in ts.periods]
        lo = stamp(min(starts)) if starts else "2024-01-01T00:00Z"
        hi = stamp(max(ends)) if ends else "2024-01-02T00:00Z"
        xmlns = f' xmlns="{self.namespace}"' if self.namespace else ""
        parts = [
            f'<?xml version="1.0" encoding="UTF-8"?>\n<{self.root}{xmlns}>',
            f"<mRID>{self.mrid}</mRID><revisionNumber>{self.revision}</revisionNumber>",
            f"<type>{self.document_type}</type>",
            f"<process.processType>{self.process_type}</process.processType>",
            f"<createdDateTime>{self.created}</createdDateTime>",
            f"<time_Period.timeInterval><start>{lo}</start><end>{hi}</end>"
            "</time_Period.timeInterval>",
        ]
        for ts in self.series:
            zone = f"{ts.direction}BiddingZone_Domain.mRID"
            psr = (
                f"<MktPSRType><psrType>{ts.psr_type}</psrType></MktPSRType>" if ts.psr_type else ""
            )
            parts.append(
                f"<TimeSeries><mRID>{ts.mrid}</mRID><businessType>{ts.business_type}</businessType>"
                "<objectAggregation>A01</objectAggregation>"
                f'<{zone} codingScheme="A01">{ts.area}</{zone}>'
                "<quantity_Measure_Unit.name>MAW</quantity_Measure_Unit.name>"
                f"<curveType>{ts.curve_type}</curveType>{psr}{ts.extra}"
            )
            for p in ts.periods:
                parts.append(
                    f"<Period><timeInterval><start>{stamp(p.start)}</start>"
                    f"<end>{stamp(p.end)}</end></timeInterval>"
                    f"<resolution>{p.resolution}</resolution>"
                )
                parts.extend(
                    f"<Point><position>{pos}</position><quantity>{q}</quantity></Point>"
                    for pos, q in p.points
                )
                parts.append("</Period>")
            parts.append("</TimeSeries>")
        parts.append(f"</{self.root}>")
        return "\n".join(parts).encode()


def ack(text: str, code: str = "999") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Acknowledgement_MarketDocument\n'
        '\txmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0">\n'
        "\t<mRID>ack-1</mRID>\n\t<createdDateTime>2026-05-07T13:17:28Z</createdDateTime>\n"
        f"\t<Reason>\n\t\t<code>{code}</code>\n\t\t<text>{text}</text>\n\t</Reason>\n"
        "</Acknowledgement_MarketDocument>"
    ).encode()
