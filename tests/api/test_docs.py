"""/docs and /redoc work offline (every asset is the service's own), and every operation of the
OpenAPI document carries a request example that the service accepts."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from app.api import docs
from app.api.collect import CollectRequest
from app.main import create_app
from tests.api.support import Dataset, settings_for

OFFLINE = "postgresql://nobody@127.0.0.1:1/none"  # the pages and the document need no database


class Assets(HTMLParser):
    """Every URL a page loads by itself: script src, link href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.urls.append(value)


def document() -> dict[str, Any]:
    return create_app(settings_for(OFFLINE)).openapi()


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in doc["paths"].items() for m, op in ops.items()]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_load_only_the_services_own_assets(page: str) -> None:
    app = create_app(settings_for(OFFLINE))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(page)
        assert response.status_code == 200
        assert "text/html" in response.headers["content-type"]
        parser = Assets()
        parser.feed(response.text)
        scripts = [u for u in parser.urls if u.endswith(".js")]
        assert scripts, "the page loads no script"
        for url in parser.urls:
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc, f"{page} loads {url} from elsewhere"
            asset = await client.get(url)
            assert asset.status_code == 200, url
            assert asset.content
        # nothing else in the page names another host (fonts, a validator badge, a CDN)
        assert "https://" not in response.text and "http://" not in response.text
        assert (await client.get(app.openapi_url or "")).status_code == 200


def test_every_operation_has_a_request_example() -> None:
    doc = document()
    assert len(operations(doc)) >= 10
    for method, path, op in operations(doc):
        where = f"{method.upper()} {path}"
        for parameter in op.get("parameters", []):
            assert "example" in parameter, f"{where}: no example for {parameter['name']}"
        if "requestBody" in op:
            assert "example" in op["requestBody"]["content"]["application/json"], where
        samples = op.get("x-codeSamples")
        assert samples and samples[0]["source"].startswith("curl "), where
        assert path.split("{")[0] in samples[0]["source"], where


def test_an_example_for_a_parameter_that_does_not_exist_is_refused() -> None:
    doc = document()
    doc["paths"]["/api/v1/areas"]["get"]["parameters"][0]["name"] = "renamed"
    with pytest.raises(KeyError, match="stored_only"):
        docs.add_examples(doc)


def test_the_body_example_is_a_valid_request() -> None:
    body = docs.BODIES[("post", "/api/v1/collect-data")]
    request = CollectRequest.model_validate(body)
    assert request.areas == ["DE_LU"] and request.end > request.start
    curl = docs.curl(
        "post", "/api/v1/collect-data", docs.PARAMETERS[("post", "/api/v1/collect-data")], body
    )
    assert "-X POST" in curl and "X-API-Key: your-api-key" in curl and '"areas": ["DE_LU"]' in curl


@pytest.mark.db
async def test_every_example_request_is_accepted(
    client: httpx.AsyncClient, dataset: Dataset
) -> None:
    """The GET examples, sent as the document gives them: none is refused as invalid."""
    for method, path, op in operations(document()):
        if method != "get" or not op.get("parameters"):
            continue
        given = {p["name"]: p["example"] for p in op["parameters"]}
        url = path.format(**given)
        query = {k: v for k, v in given.items() if f"{{{k}}}" not in path}
        response = await client.get(url, params=query)
        # the job id is an example, no job of this database
        expected = 404 if "{job_id}" in path else 200
        assert response.status_code == expected, (path, response.text)
