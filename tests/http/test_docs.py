"""/docs and /redoc work offline: every asset comes from this app, none from a CDN."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.problems import assert_problem

ASSET_URL = re.compile(r'(?:src|href)="([^"]+)"')
MEDIA_TYPES = {"css": "text/css", "js": "text/javascript", "png": "image/png", "svg": "image/svg+xml"}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_their_own_assets(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self';" in response.headers["content-security-policy"]
    assert "<script>" not in response.text  # no inline script: the CSP allows none
    urls = ASSET_URL.findall(response.text)
    assert urls
    for url in urls:
        assert url.startswith("/docs/assets/"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].split(";")[0] == MEDIA_TYPES[url.rsplit(".", 1)[1]], url
        assert len(asset.content) > 100


def test_swagger_ui_is_version_5(client: TestClient) -> None:
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    # 5.x renders OpenAPI 3.1; swagger-ui-bundle (4.x) cannot.
    assert re.search(rb'PACKAGE_VERSION:"5\.\d+\.\d+"', bundle.content)


def test_swagger_ui_is_configured_with_the_served_contract(client: TestClient) -> None:
    init = client.get("/docs/assets/swagger-init.js").text
    assert 'url: "/openapi.json"' in init
    assert "persistAuthorization: false" in init


def test_an_unknown_docs_asset_is_a_404_problem(client: TestClient) -> None:
    assert_problem(client.get("/docs/assets/index.html"), 404)
    assert_problem(client.get("/docs/assets/..%2Fdocs.py"), 404)


def test_redoc_finds_its_logo_next_to_the_page(client: TestClient) -> None:
    response = client.get("/redoc/logo-mini.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
