"""The OpenAPI schema validates with no warning, documents every operation (examples, the
error body, ``Idempotency-Key`` on POST), and its docs pages work offline: every asset
comes from this server and the page asks nothing of any other."""

import io
import json
import re
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command

CHROMIUM = "/usr/bin/chromium"
ASSET_PATTERN = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"')
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command("spectacular", "--format", "openapi-json", stdout=out)
    return json.loads(out.getvalue())


def operations(schema: dict):
    for path, path_item in schema["paths"].items():
        for method, operation in path_item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", method, operation


def test_the_schema_validates_without_warnings(db, tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert target.read_text().startswith("openapi: 3")


def test_the_schema_is_served_to_anyone(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Threadline API"


def test_every_post_documents_the_idempotency_key_and_its_answers(schema):
    for name, method, operation in operations(schema):
        if method != "post":
            continue
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert "Idempotency-Key" in headers, name
        assert {"409", "422"} <= set(operation["responses"]), name
        successes = [response for code, response in operation["responses"].items()
                     if code.startswith("2")]
        assert all("Idempotent-Replayed" in response["headers"] for response in successes), name


def test_every_operation_documents_the_error_body(schema):
    assert "Error" in schema["components"]["schemas"]
    for name, _method, operation in operations(schema):
        for code in ("400", "401", "403", "429"):
            content = operation["responses"][code]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, name
        assert "security" in operation, name


def test_every_operation_has_an_example(schema):
    """Integrators read examples first: each operation with JSON to show shows it (a DELETE
    answering 204 or a file download has none)."""

    def has_json(operation) -> bool:
        successes = [response for code, response in operation["responses"].items()
                     if code.startswith("2")]
        return "requestBody" in operation or any(
            "application/json" in response.get("content", {}) for response in successes)

    def has_example(operation) -> bool:
        bodies = [operation.get("requestBody", {})] + list(operation["responses"].values())
        return any(media.get("examples") or media.get("example")
                   for body in bodies for media in body.get("content", {}).values())

    missing = [name for name, _method, operation in operations(schema)
               if has_json(operation) and not has_example(operation)]
    assert missing == []


def test_every_operation_is_under_v1(schema):
    assert all(path.startswith("/api/v1/") for path in schema["paths"])


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_load_every_asset_from_this_server(live_server, page):
    html = urllib.request.urlopen(live_server.url + page).read().decode()

    assets = ASSET_PATTERN.findall(html)
    assert assets
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        with urllib.request.urlopen(live_server.url + asset) as response:
            assert response.status == 200, asset
    assert "https://" not in html and "http://" not in html


def test_the_swagger_page_turns_off_the_online_validator(client):
    html = client.get("/api/docs/").content.decode()

    assert '"validatorUrl": null' in html


def _open_docs_in_chromium(url: str) -> tuple[str, list[str]]:
    """The docs page as Chromium renders it: its title and every URL it requested.

    Runs in a thread of its own: Playwright's sync API keeps an event loop running in its
    thread, which must not be the test's (Django refuses database calls under a loop)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page.goto(url)
            page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
            page.wait_for_selector(".opblock, .no-margin", timeout=30_000)
            page.wait_for_load_state("networkidle")
            title = page.inner_text(".swagger-ui .info .title")
        finally:
            browser.close()
    return title, requested


def test_the_docs_page_renders_in_a_browser_without_leaving_this_server(live_server):
    with ThreadPoolExecutor(max_workers=1) as pool:
        title, requested = pool.submit(_open_docs_in_chromium,
                                       live_server.url + "/api/docs/").result()

    assert title.startswith("Threadline API")
    assert any(url.endswith("/api/schema/") for url in requested)
    elsewhere = [url for url in requested
                 if not url.startswith((live_server.url + "/", "data:", "blob:"))]
    assert elsewhere == []
