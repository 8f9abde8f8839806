"""Settings, read once from the environment and `.env` (nested with ``__``).

Every name is ``SECTION__FIELD`` (``DATABASE__POOL_SIZE``, ``ENTSOE__API_TOKEN``); ``DATABASE_URL``
is accepted as well as ``DATABASE__URL``. Secrets are ``SecretStr`` and
:meth:`Settings.redacted` never shows them.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from app.entsoe.items import DataType
from app.exceptions import UsageError


class Environment(StrEnum):
    DEVELOPMENT = "development"
    STAGING = "staging"
    PRODUCTION = "production"


def _split_csv(value: Any) -> Any:
    """Lists come from the environment as ``a,b,c`` (JSON arrays are accepted too)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import json

            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


def to_async_url(url: str) -> str:
    """Normalise a PostgreSQL URL to the asyncpg driver; raise ValueError when it is not one."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL: {exc}") from None
    if parsed.get_backend_name() not in ("postgresql", "postgres"):
        raise ValueError(f"must be a postgresql:// URL, not {parsed.get_backend_name()}://")
    if not parsed.database:
        raise ValueError("names no database")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


class DatabaseSettings(BaseModel):
    url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL URL; when unset (and no host), an embedded server runs",
    )
    host: str | None = None
    port: int = Field(default=5432, ge=1, le=65535)
    user: str = "postgres"
    password: SecretStr = SecretStr("")
    name: str = "energy_data"
    pool_size: int = Field(default=10, ge=1)
    max_overflow: int = Field(default=10, ge=0)
    pool_timeout: float = Field(default=30.0, gt=0)
    pool_recycle: int = Field(default=1800, ge=-1)
    pool_pre_ping: bool = True
    connect_timeout: float = Field(
        default=5.0, gt=0, description="seconds to open a connection before giving up"
    )
    statement_timeout: float = Field(
        default=60.0,
        gt=0,
        description="seconds one statement may run (server-side statement_timeout; the client"
        " gives up a few seconds later if the server does not answer at all)",
    )
    echo: bool = Field(default=False, description="log SQL (honoured in development only)")
    embedded_data_dir: Path = Path("data/postgres")
    migrate_on_startup: bool = True

    @field_validator("url")
    @classmethod
    def _valid_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        return SecretStr(to_async_url(value.get_secret_value()))

    @property
    def embedded(self) -> bool:
        """True when neither a URL nor a host is configured: the service runs its own server."""
        return self.url is None and self.host is None

    def async_url(self) -> str | None:
        """The asyncpg URL of a configured server (None for the embedded one)."""
        if self.url is not None:
            return self.url.get_secret_value()
        if self.host is None:
            return None
        return URL.create(
            "postgresql+asyncpg",
            username=self.user,
            password=self.password.get_secret_value() or None,
            host=self.host,
            port=self.port,
            database=self.name,
        ).render_as_string(hide_password=False)


class EntsoeSettings(BaseModel):
    api_token: SecretStr | None = None
    base_url: str = "https://web-api.tp.entsoe.eu/api"
    request_timeout: float = Field(default=60.0, gt=0)
    requests_per_minute: int = Field(default=400, ge=1)
    max_retries: int = Field(default=5, ge=0)
    max_reply_bytes: int = Field(
        default=64 * 2**20,
        ge=1024,
        description="largest reply accepted after decompression (gzip, ZIP); larger is an error",
    )
    areas: Annotated[list[str], NoDecode] = ["DE_LU", "FR", "NL"]
    data_types: Annotated[list[DataType], NoDecode] = list(DataType)

    _csv_areas = field_validator("areas", "data_types", mode="before")(_split_csv)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("areas")
    @classmethod
    def _known_areas(cls, value: list[str]) -> list[str]:
        from app.entsoe.areas import get_area

        return [get_area(code).code for code in value]


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, description="API keys accepted in X-API-Key for write endpoints"
    )
    max_points: int = Field(
        default=500_000, ge=1, description="most points one read response may hold (else 422)"
    )
    max_body_bytes: int = Field(
        default=64 * 1024, ge=1024, description="largest request body accepted (else 413)"
    )
    ready_timeout: float = Field(
        default=1.5, gt=0, description="seconds /ready waits for the database before a 503"
    )
    heavy_read_points: int = Field(
        default=50_000,
        ge=1,
        description="a read whose range could hold more points than this (every requested series"
        " at 15 minutes) is a heavy read",
    )
    max_heavy_reads: int = Field(
        default=8,
        ge=1,
        description="heavy reads served at the same time, from their first query until their last"
        " byte is sent; one more is answered 503 with Retry-After at once",
    )
    spool_memory_bytes: int = Field(
        default=4 * 2**20,
        ge=0,
        description="a CSV answer up to this size is held in memory while it is sent, a larger one"
        " in a temporary file (in TMPDIR); the database connection is free once it is written",
    )
    send_timeout: float = Field(
        default=60.0,
        gt=0,
        description="seconds an energy-data answer waits for the client to accept more before the"
        " connection is dropped (a client that stops reading frees its heavy-read slot)",
    )

    _csv_keys = field_validator("keys", mode="before")(_split_csv)


class CollectionSettings(BaseModel):
    """The collection pipeline: scheduler, look-backs, healing, POST /collect-data, backfill.

    Durations accept ISO 8601 (``PT48H``, ``P7D``) or seconds.
    """

    scheduler_enabled: bool = Field(
        default=True, description="run the collection jobs inside the service (APScheduler)"
    )
    misfire_grace: timedelta = Field(
        default=timedelta(minutes=5), description="a job that starts later than this is skipped"
    )
    actual_lookback: timedelta = Field(
        default=timedelta(hours=48),
        description="actuals are re-collected from the last stored point minus this (late values)",
    )
    generation_lookback: timedelta = Field(
        default=timedelta(hours=48),
        description="actual generation is re-collected from the last stored point minus this",
    )
    initial_history: timedelta = Field(
        default=timedelta(days=7),
        description="where incremental collection starts for an area/item with nothing stored",
    )
    heal_max_gaps: int = Field(default=20, ge=1, description="gaps re-collected per healing run")
    max_concurrent_jobs: int = Field(
        default=2,
        ge=1,
        description="scheduler jobs working at once; the others wait without a connection",
    )
    empty_gap_retry_after: timedelta = Field(
        default=timedelta(days=1), description="a gap ENTSO-E answered empty is re-asked after this"
    )
    lock_wait: float = Field(
        default=30.0,
        ge=0,
        description="seconds a manual collection waits for a running one on the same area and item",
    )
    inline_max_windows: int = Field(
        default=8,
        ge=0,
        description="POST /collect-data runs inline up to this many ENTSO-E windows, else 202",
    )
    api_max_range: timedelta = Field(
        default=timedelta(days=366), description="longest start..end POST /collect-data accepts"
    )
    backfill_concurrency: int = Field(
        default=4, ge=1, description="area/item pairs a backfill collects at the same time"
    )
    data_source: Literal["auto", "entsoe", "entsoe-sandbox"] = Field(
        default="auto",
        description="stamped on stored rows; auto: entsoe-sandbox when ENTSOE__BASE_URL is on"
        " loopback or the token is `sandbox`, else entsoe",
    )


class MetricsSettings(BaseModel):
    """Prometheus metrics at GET /metrics (one registry per app)."""

    enabled: bool = Field(
        default=True, description="serve GET /metrics (and time API requests for it)"
    )
    store_cache: float = Field(
        default=30.0,
        ge=0,
        description="seconds a scrape reuses the stored-points query's answer (one grouped query"
        " over the points table), so scrapes cannot load the database",
    )
    store_timeout: float = Field(
        default=5.0,
        gt=0,
        description="seconds a scrape waits for that query; then eds_database_up is 0",
    )


class LoggingSettings(BaseModel):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json_output: bool | None = Field(
        default=None,
        validation_alias=AliasChoices("json", "json_output"),
        description="JSON lines; default: on in production, console renderer otherwise",
    )

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        # `ENTSOE__API_TOKEN=` (as in a copied .env.example) means unset, not an empty secret.
        env_ignore_empty=True,
    )

    environment: Environment = Environment.DEVELOPMENT
    database: DatabaseSettings = DatabaseSettings()
    entsoe: EntsoeSettings = EntsoeSettings()
    api: ApiSettings = ApiSettings()
    collection: CollectionSettings = CollectionSettings()
    metrics: MetricsSettings = MetricsSettings()
    logging: LoggingSettings = LoggingSettings()
    database_url: SecretStr | None = Field(
        default=None, validation_alias="DATABASE_URL", exclude=True, repr=False
    )

    @model_validator(mode="after")
    def _database_url_alias(self) -> Settings:
        # DATABASE_URL is the name every platform sets; DATABASE__URL wins when both are given.
        if self.database.url is None and self.database_url and self.database_url.get_secret_value():
            try:
                url = to_async_url(self.database_url.get_secret_value())
            except ValueError as exc:
                raise ValueError(f"DATABASE_URL {exc}") from None
            self.database.url = SecretStr(url)
        return self

    @property
    def json_logs(self) -> bool:
        if self.logging.json_output is not None:
            return self.logging.json_output
        return self.environment is Environment.PRODUCTION

    def redacted(self) -> dict[str, Any]:
        """A dump safe to log or print: secrets as ``**********``, URL passwords masked."""
        data = self.model_dump(mode="json")
        url = self.database.url
        data["database"]["url"] = (
            make_url(url.get_secret_value()).render_as_string(hide_password=True) if url else None
        )
        return data


def _env_name(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if not isinstance(p, int)]
    if parts == ["database_url"] or parts == ["DATABASE_URL"]:
        return "DATABASE_URL"
    return "__".join(parts).upper()


def describe_error(exc: ValidationError) -> str:
    """One line naming the variable(s) at fault, for start-up errors; never echoes secrets."""
    problems = []
    for err in exc.errors():
        name = _env_name(err["loc"]) if err["loc"] else "settings"
        message = str(err["msg"]).removeprefix("Value error, ")
        if name == "settings" and message.startswith("DATABASE_URL"):
            name, message = "DATABASE_URL", message.removeprefix("DATABASE_URL ")
        problems.append(f"{name}: {message}")
    return "invalid configuration: " + "; ".join(problems)


def load_settings() -> Settings:
    """Settings from the environment and ``.env``; a bad value is a :class:`UsageError` whose
    one line names the variable (the CLI prints it and exits 2)."""
    try:
        return Settings()
    except ValidationError as exc:
        raise UsageError(describe_error(exc)) from None
