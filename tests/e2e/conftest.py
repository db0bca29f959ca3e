"""Chromium, driven by Playwright, against pytest-django's live server."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

# Debian's chromium package, or where the distribution has none that runs without snapd
# (Ubuntu), the headless Chromium that `make test` unpacks into var/chromium/; CHROMIUM
# names another.
_UNPACKED = Path(__file__).resolve().parents[2] / "var" / "chromium" / "chromium"
CHROMIUM = os.environ.get("CHROMIUM") or (
    str(_UNPACKED) if _UNPACKED.exists() else "/usr/bin/chromium")
# Quiet flags: this machine has no network beyond loopback, so no background calls.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# A loaded CI machine can take longer than Playwright's 5 s to draw a map; a waiting
# assertion only takes that long when it is about to fail.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session", autouse=True)
def _media_as_the_site_serves_it():
    """Django's live server answers every /media/ request from MEDIA_ROOT itself, before
    the site's URLs: pictures would show here that `make run` never served, and a hidden
    proposal's pictures to anyone. Off, so /media/ is what proposals/media.py answers."""
    from django.test.testcases import _MediaFilesHandler

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_MediaFilesHandler, "_should_handle", lambda self, path: False)
        yield


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module: Playwright's event loop must be gone before the
    tests of other modules use the ORM in this thread."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs a Chromium (platform/"
                    "bootstrap.sh)")
    # Playwright's sync API runs an event loop in this thread while the module runs;
    # the ORM calls that tests and their fixtures make meanwhile are still synchronous.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def allowed_failures(request) -> list[re.Pattern]:
    """What the test declared it expects to fail: `@pytest.mark.allow_failed(pattern, …)`,
    each a regular expression searched in "<status> <method> <url>" (e.g.
    r"^400 POST .*/api/v1/proposals/$"), or in "failed <method> <url>: <error>" for a
    request that got no answer at all, or "console error at <url>: <text>"."""
    return [re.compile(pattern) for marker in request.node.iter_markers("allow_failed")
            for pattern in marker.args]


@pytest.fixture
def new_page(browser, live_server, request, settings):
    """Open a page in a fresh browser context (its own cookies) on the live server.

    Every page of every browser test is also a check of the page itself: anything the
    Content-Security-Policy blocked (a script, a style, an image), an uncaught script
    error, an error written to the console, a request that got no answer, and an answer
    of 400 or more fail the test, unless the test declared that failure with
    `@pytest.mark.allow_failed(…)`."""
    # The site runs at the live server's address, as `make run` tells it its own: the
    # links in the e-mails it sends open there.
    settings.SITE_URL = live_server.url
    contexts, blocked, problems = [], [], []
    allowed = allowed_failures(request)

    def unexpected(text: str) -> None:
        if not any(pattern.search(text) for pattern in allowed):
            problems.append(text)

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            blocked.append(message.text)
        # "Failed to load resource" repeats an answer of 400 or more, judged below with
        # its method and address; every other error the page writes is a problem.
        elif message.type == "error" and not message.text.startswith("Failed to load resource"):
            unexpected(f"console error at {message.location.get('url')}: {message.text}")

    def make(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(
            f"uncaught error on {page.url}: {error.name}: {error.message}"))
        # net::ERR_ABORTED is the page cancelling its own request (it navigated away, a
        # link became a download, a script aborted a fetch it replaced): not a failure.
        page.on("requestfailed", lambda req: unexpected(
            f"failed {req.method} {req.url}: {req.failure}")
            if req.failure != "net::ERR_ABORTED" else None)
        page.on("response", lambda response: unexpected(
            f"{response.status} {response.request.method} {response.url}")
            if response.status >= 400 else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not blocked, f"blocked by the Content-Security-Policy: {blocked}"
    assert not problems, "the pages went wrong:\n" + "\n".join(problems)
