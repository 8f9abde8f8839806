"""Errors raised by the ENTSO-E client, parser and processor.

No message ever contains the security token: URLs are passed in already redacted.
"""

from __future__ import annotations

from collections.abc import Sequence


class EntsoeError(Exception):
    """Base of every error this package raises."""


class UnknownAreaError(EntsoeError, ValueError):
    """An area short code or EIC code that is not in the registry."""

    def __init__(self, code: str, suggestions: Sequence[str] = ()) -> None:
        self.code = code
        self.suggestions = list(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown ENTSO-E area {code!r}{hint}")


class UnknownPsrTypeError(EntsoeError, ValueError):
    """Neither a production type code (B01..B25) nor one of the registry's names."""

    def __init__(self, text: str, suggestion: str | None = None) -> None:
        self.text = text
        hint = f"; did you mean {suggestion}?" if suggestion else ""
        super().__init__(
            f"unknown production type {text!r}: use a code B01..B25 or a name such as solar or"
            f" wind_onshore (GET /api/v1/production-types lists them){hint}"
        )


class TokenRejectedError(EntsoeError):
    """HTTP 401/403: the security token is missing, wrong or revoked. Never retried."""

    def __init__(self, status_code: int, url: str) -> None:
        self.status_code = status_code
        self.url = url
        super().__init__(
            f"ENTSO-E rejected the security token (HTTP {status_code}) for {url}; "
            "check the configured token"
        )


class AcknowledgementError(EntsoeError):
    """An Acknowledgement_MarketDocument other than "No matching data found"."""

    def __init__(self, reason_code: str, reason_text: str, url: str = "") -> None:
        self.reason_code = reason_code
        self.reason_text = reason_text
        self.url = url
        where = f" for {url}" if url else ""
        super().__init__(f"ENTSO-E acknowledgement {reason_code}: {reason_text}{where}")


class IntervalTooLargeError(AcknowledgementError):
    """The acknowledgement saying the requested interval is larger than allowed."""


class RateLimitedError(EntsoeError):
    """HTTP 429 still answered after the configured number of waits."""

    def __init__(self, url: str, retry_after_s: float | None = None) -> None:
        self.url = url
        self.retry_after_s = retry_after_s
        super().__init__(f"ENTSO-E rate limit still in force for {url}")


class TransientError(EntsoeError):
    """5xx, timeouts or connection errors that outlasted every retry."""

    def __init__(self, message: str, url: str) -> None:
        self.url = url
        super().__init__(f"{message} (request {url})")


class ReplyTooLargeError(EntsoeError):
    """A reply (or a file) larger than the configured limit once decompressed. Not retried."""

    def __init__(self, max_bytes: int, url: str = "") -> None:
        self.max_bytes = max_bytes
        self.url = url
        where = f" for {url}" if url else ""
        super().__init__(f"reply larger than {max_bytes} bytes once decompressed{where}")


class MalformedReplyError(TransientError):
    """A reply that is not a readable XML document (truncated, not XML, bad ZIP)."""


class ProcessorError(EntsoeError):
    """A document this code does not understand: names the document mRID and the element."""

    def __init__(self, message: str, *, document_mrid: str = "?", element: str = "?") -> None:
        self.document_mrid = document_mrid
        self.element = element
        where = f"document {document_mrid}: " if document_mrid != "?" else ""
        super().__init__(f"{where}{element}: {message}")


class MalformedXmlError(ProcessorError):
    """Bytes that are not well-formed XML (truncated, empty, HTML error page, ...)."""
