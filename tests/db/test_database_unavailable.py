"""app.exceptions.database_unavailable: real driver errors, as SQLAlchemy wraps them.

An unusable database (refused, unknown name) is recognised and named in one line (the API's
503, the CLI's exit 1); a mistake in a statement is not (it stays a 500 / a bug).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.db.database import Database
from app.exceptions import database_unavailable

pytestmark = pytest.mark.db


async def _error_of(url: str, sql: str = "SELECT 1") -> BaseException:
    database = Database(url, pool_size=1)
    try:
        async with database.engine.connect() as conn:
            await conn.execute(text(sql))
    except Exception as exc:
        return exc
    finally:
        await database.dispose()
    raise AssertionError("the statement succeeded")


async def test_a_refused_connection_is_named() -> None:
    reason = database_unavailable(await _error_of("postgresql+asyncpg://u:pw@127.0.0.1:1/x"))
    assert reason is not None and reason.startswith("ConnectionRefusedError: ")
    assert "\n" not in reason


async def test_an_unknown_database_is_named_through_the_wrapping(database_url: str) -> None:
    url = make_url(database_url).set(database="eds_no_such_database")
    exc = await _error_of(url.render_as_string(hide_password=False))
    reason = database_unavailable(exc)
    assert reason == 'InvalidCatalogNameError: database "eds_no_such_database" does not exist'


async def test_a_bad_statement_is_not_an_outage(database_url: str) -> None:
    assert database_unavailable(await _error_of(database_url, "SELEC 1")) is None
    assert database_unavailable(ValueError("no")) is None
