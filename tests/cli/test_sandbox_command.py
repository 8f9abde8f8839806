"""``energy-data-service sandbox``: flags, bad input (exit 2, one line), serving until Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from datetime import timedelta

import httpx
import pytest

from app.cli import build_parser, main
from app.cli.sandbox import config_from_args

MINIMAL = "documentType=A65&processType=A16&outBiddingZone_Domain=10YCZ-CEPS-----N"


def test_flags_make_the_config() -> None:
    args = build_parser().parse_args(
        [
            "sandbox", "--port", "0", "--seed", "5", "--curve-type", "A01", "--token", "t1",
            "--token", "t2", "--now", "2024-06-01T12:00Z", "--fail-503", "0.2",
            "--slow-share", "0.1", "--slow-seconds", "2.5", "--reset-share", "0.05",
            "--truncate-share", "0.05", "--burst-429", "3", "--burst-429-after", "10",
            "--ban-seconds", "30", "--rate-limit", "50", "--revision-share", "0.1",
        ]
    )  # fmt: skip
    config = config_from_args(args)
    assert (config.seed, config.curve_type, config.tokens) == (5, "A01", ("t1", "t2"))
    assert config.now is not None and config.now.utcoffset() == timedelta(0)
    assert (config.fail_503_share, config.slow_share, config.slow_seconds) == (0.2, 0.1, 2.5)
    assert (config.reset_share, config.truncate_share) == (0.05, 0.05)
    assert (config.burst_429, config.burst_429_after, config.ban_seconds) == (3, 10, 30.0)
    assert (config.rate_limit_per_minute, config.revision_share) == (50, 0.1)
    defaults = config_from_args(build_parser().parse_args(["sandbox"]))
    assert defaults.tokens == ("sandbox",) and defaults.now is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sandbox", "--fail-503", "1.5"], "--fail-503: must be between 0 and 1"),
        (["sandbox", "--slow-seconds", "-1"], "--slow-seconds: must not be negative"),
        (["sandbox", "--now", "2024-06-01T12:00"], "--now: needs a zone"),
        (["sandbox", "--curve-type", "A02"], "--curve-type: invalid choice"),
        (["sandbox", "--fail-503", "0.6", "--reset-share", "0.6"], "must not exceed 1"),
    ],
)
def test_bad_flags_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_serves_until_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "sandbox", "--port", "0", "--now", "2024-06-01T12:00Z"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/api)", line)
        assert match, line
        url = f"{match.group(1)}?securityToken=sandbox&{MINIMAL}"
        response = httpx.get(f"{url}&periodStart=202405312200&periodEnd=202406012200", timeout=10)
        assert response.status_code == 200 and b"<GL_MarketDocument" in response.content
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
