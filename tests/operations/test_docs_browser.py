"""The docs page in a real browser: Debian's headless Chromium, driven by Playwright,
against a live server of the app on the suite's database.

``./scripts/test`` installs Chromium first (``scripts/test-prerequisites``). Without a
browser these tests fail: the docs page is part of the contract, so it is never skipped.
"""

import re
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
# --no-sandbox: Chromium refuses to start as root without it. The others keep it from
# reaching for a network (updates, sync, QUIC probes) that tests must not depend on.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "docs"
METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}

# Runs before the page's own scripts, so no violation goes unseen.
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def browser(tmp_path):
    with sync_playwright() as playwright:
        try:
            # A fresh profile: nothing from an earlier run, no first-run network calls.
            context = playwright.chromium.launch_persistent_context(
                tmp_path / "chromium-profile",
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
                headless=True,
                viewport={"width": 1280, "height": 900},
            )
        except PlaywrightError as error:
            failure = str(error)
        else:
            failure = None
        # Outside the except block, so the message is not buried under a traceback.
        if failure:
            pytest.fail(
                f"Chromium could not be launched from {CHROMIUM}: install Debian's chromium "
                "package (apt-get install chromium; ./scripts/test-prerequisites does it), "
                f"or leave this test out with -m 'not browser'.\n{failure}",
                pytrace=False,
            )
        yield context
        context.close()


class DocsPage:
    """``/docs`` opened with every request to another host aborted and recorded, and
    the console errors and CSP violations of the page collected."""

    def __init__(self, browser, base_url: str):
        self.base_url = base_url
        self.page: Page = browser.pages[0] if browser.pages else browser.new_page()
        self.elsewhere: list[str] = []
        self.console_errors: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.route("**/*", self._only_the_app)
        self.page.add_init_script(RECORD_CSP_VIOLATIONS)
        self.page.goto(f"{base_url}/docs")

    def _on_console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)

    def _only_the_app(self, route):
        if urlsplit(route.request.url).netloc == urlsplit(self.base_url).netloc:
            route.continue_()
        else:
            self.elsewhere.append(route.request.url)
            route.abort()

    def operation(self, method: str, path: str):
        return self.page.locator(f".opblock-{method}").filter(
            has=self.page.locator(f'.opblock-summary-path[data-path="{path}"]')
        )

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.cspViolations")

    def screenshot(self, name: str, target=None, full_page: bool = False) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        if target is None:
            self.page.screenshot(path=path, full_page=full_page)
        else:
            target.screenshot(path=path)


def served_operations(spec: dict) -> list[tuple[str, str, dict]]:
    """``(METHOD, path, operation)`` for every operation of the OpenAPI document."""
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def rendered_operations(page: Page) -> list[tuple[str, str]]:
    pairs = page.locator(".opblock").evaluate_all(
        """blocks => blocks.map(block => [
            block.querySelector(".opblock-summary-method").textContent.trim(),
            block.querySelector(".opblock-summary-path").dataset.path,
        ])"""
    )
    return sorted((method, path) for method, path in pairs)


class TestDocsInABrowser:
    def test_every_operation_renders_offline_within_the_csp(
        self, http, live_server, browser, capsys
    ):
        spec = http.get("/openapi.json").get_json()
        served = sorted((method, path) for method, path, _ in served_operations(spec))
        tags = {tag for _, _, operation in served_operations(spec) for tag in operation["tags"]}
        started = time.perf_counter()

        docs = DocsPage(browser, live_server)
        expect(docs.page.locator(".opblock")).to_have_count(len(served), timeout=15_000)
        rendered_in = time.perf_counter() - started
        rendered = rendered_operations(docs.page)
        clients = docs.operation("get", "/api/v1/clients")
        clients.locator(".opblock-summary").click()
        expect(docs.page).to_have_url(re.compile(r"/docs#/clients/"))  # deep linking
        extensions = clients.locator("tr", has_text="x-roles")
        expect(extensions).to_be_visible()
        docs.screenshot("docs-page", full_page=True)

        with capsys.disabled():
            print(
                f"\ndocs: operations rendered / operations served = "
                f"{len(rendered)} / {len(served)} "
                f"(rendered in {rendered_in:.1f} s)"
            )
        assert rendered == served
        shown_tags = docs.page.locator(".opblock-tag").evaluate_all(
            "headings => headings.map(heading => heading.dataset.tag)"
        )
        assert set(shown_tags) == tags
        for role in spec["paths"]["/api/v1/clients"]["get"]["x-roles"]:
            expect(extensions).to_contain_text(role)
        assert docs.elsewhere == []
        assert docs.console_errors == []
        assert docs.csp_violations() == []

    def test_authorize_and_try_it_out_read_the_callers_own_account(
        self, live_server, browser, coach, client_user
    ):
        docs = DocsPage(browser, live_server)
        issued = docs.page.request.post(
            f"{live_server}/api/v1/auth/tokens",
            data={"email": client_user.user.email, "password": PASSWORD},
        )
        assert issued.status == 201
        token = issued.json()["access_token"]

        docs.page.locator(".auth-wrapper button.authorize").click()
        dialog = docs.page.locator(".modal-ux")
        dialog.get_by_label("auth-bearer-value").fill(token)
        dialog.locator("button.authorize").click()
        expect(dialog.locator("button", has_text="Logout")).to_be_visible()
        docs.screenshot("docs-authorize", target=dialog.locator(".modal-ux-inner"))
        dialog.locator("button.btn-done").click()
        me = docs.operation("get", "/api/v1/me")
        me.locator(".opblock-summary").click()
        me.locator("button.try-out__btn").click()
        me.locator("button.execute").click()
        response = me.locator(".live-responses-table .response")
        expect(response.locator(".response-col_status")).to_have_text("200")
        docs.screenshot("docs-me-executed", target=me)

        expect(response.locator(".response-col_description")).to_contain_text(
            client_user.user.email
        )
        stored = docs.page.evaluate("localStorage.getItem('authorized')")
        assert token in stored  # persistAuthorization: a reload keeps the sign-in
        assert docs.elsewhere == []
        assert docs.console_errors == []
        assert docs.csp_violations() == []
