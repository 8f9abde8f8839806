"""structlog: secrets never reach the output, in console and JSON mode."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from app.logging import configure_logging


@pytest.mark.parametrize("as_json", [True, False])
def test_secrets_are_redacted(capsys: pytest.CaptureFixture[str], as_json: bool) -> None:
    configure_logging("INFO", json=as_json, secrets=["tok-SECRET-42"])
    log = structlog.get_logger("test")
    log.info(
        "entsoe.request",
        url="https://x/api?securityToken=tok-SECRET-42&documentType=A65",
        token="tok-SECRET-42",
        note="the tok-SECRET-42 leaked into text",
    )
    logging.getLogger("uvicorn.error").warning("stdlib line with tok-SECRET-42")
    err = capsys.readouterr().err
    assert "tok-SECRET-42" not in err
    assert "entsoe.request" in err
    assert "stdlib line with" in err
    if as_json:
        first = json.loads(err.splitlines()[0])
        assert first["event"] == "entsoe.request"
        assert first["url"] == "https://x/api?securityToken=**********&documentType=A65"
    configure_logging("INFO", json=False)


@pytest.mark.parametrize("as_json", [True, False])
def test_tracebacks_are_redacted_and_show_no_locals(
    capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    configure_logging("INFO", json=as_json, secrets=["tok-SECRET-42"])
    log = structlog.get_logger("test")

    def request(params: dict[str, str]) -> None:
        raise RuntimeError(f"client closed while sending {params['securityToken']}")

    try:
        request({"securityToken": "tok-SECRET-42"})
    except RuntimeError:
        log.error("collect.window_failed", exc_info=True)
    err = capsys.readouterr().err
    assert "RuntimeError: client closed while sending" in err
    assert "tok-SECRET-42" not in err
    configure_logging("INFO", json=False)
