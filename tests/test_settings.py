"""Settings: nested env names, DATABASE_URL alias, validation messages, redaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import Settings, describe_error


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory) -> None:
    import os

    for name in list(os.environ):
        if name.split("__")[0] in {"DATABASE", "ENTSOE", "API", "LOGGING"} or name in {
            "DATABASE_URL",
            "ENVIRONMENT",
        }:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env


def _error(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ValidationError) as info:
        Settings()
    return describe_error(info.value)


def test_defaults_mean_embedded_database() -> None:
    settings = Settings()
    assert settings.database.embedded
    assert settings.database.async_url() is None
    assert settings.entsoe.requests_per_minute == 400


def test_nested_names_and_database_url_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:pw@db.example:6543/energy")
    monkeypatch.setenv("DATABASE__POOL_SIZE", "3")
    monkeypatch.setenv("ENTSOE__AREAS", "de_lu, 10YFR-RTE------C")
    monkeypatch.setenv("API__KEYS", "k1,k2")
    settings = Settings()
    assert settings.database.async_url() == "postgresql+asyncpg://u:pw@db.example:6543/energy"
    assert settings.database.pool_size == 3
    assert settings.entsoe.areas == ["DE_LU", "FR"]
    assert [k.get_secret_value() for k in settings.api.keys] == ["k1", "k2"]


def test_double_underscore_url_wins_over_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://a@h1/one")
    monkeypatch.setenv("DATABASE__URL", "postgresql://b@h2/two")
    assert Settings().database.async_url() == "postgresql+asyncpg://b@h2/two"


def test_host_settings_build_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE__HOST", "db")
    monkeypatch.setenv("DATABASE__PASSWORD", "s3cret")
    settings = Settings()
    assert not settings.database.embedded
    assert (
        settings.database.async_url() == "postgresql+asyncpg://postgres:s3cret@db:5432/energy_data"
    )


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"DATABASE__POOL_SIZE": "-1"}, "DATABASE__POOL_SIZE"),
        ({"DATABASE__POOL_SIZE": "many"}, "DATABASE__POOL_SIZE"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE__URL": "postgresql://x@y"}, "DATABASE__URL"),
        ({"ENTSOE__BASE_URL": "ftp://x"}, "ENTSOE__BASE_URL"),
        ({"ENTSOE__AREAS": "DE_LU,ATLANTIS"}, "ENTSOE__AREAS"),
        ({"LOGGING__LEVEL": "LOUD"}, "LOGGING__LEVEL"),
        ({"ENVIRONMENT": "prod"}, "ENVIRONMENT"),
    ],
)
def test_invalid_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], name: str
) -> None:
    message = _error(monkeypatch, **env)
    assert message.startswith("invalid configuration: ")
    assert f"{name}: " in message
    assert "\n" not in message


def test_redacted_dump_hides_every_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:dbpass123@h/db")
    monkeypatch.setenv("DATABASE__PASSWORD", "otherpass456")
    monkeypatch.setenv("ENTSOE__API_TOKEN", "tok-789-abc")
    monkeypatch.setenv("API__KEYS", "key-one-111,key-two-222")
    dump = repr(Settings().redacted())
    for secret in ("dbpass123", "otherpass456", "tok-789-abc", "key-one-111", "key-two-222"):
        assert secret not in dump
    assert "postgresql+asyncpg://u:***@h/db" in dump
    assert "tok-789-abc" not in repr(Settings())


def test_error_message_never_echoes_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    message = _error(monkeypatch, DATABASE_URL="mysql://u:hunter2@h/db")
    assert "hunter2" not in message


def test_empty_values_count_as_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A copied .env.example leaves ENTSOE__API_TOKEN= empty: that is no token (the scheduler is
    not started), not an empty one that every job would send."""
    env = tmp_path / ".env"
    env.write_text((Path(__file__).parents[1] / ".env.example").read_text())
    assert "\nENTSOE__API_TOKEN=\n" in env.read_text()
    settings = Settings(_env_file=env)  # type: ignore[call-arg]
    assert settings.entsoe.api_token is None
    monkeypatch.setenv("ENTSOE__API_TOKEN", "")
    monkeypatch.setenv("DATABASE_URL", "")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.entsoe.api_token is None
    assert settings.database.embedded
