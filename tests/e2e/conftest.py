"""Chromium, driven by Playwright, against pytest-django's live server."""

import os

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
# Quiet flags: this machine has no network beyond loopback, so no background calls.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# A loaded CI machine can take longer than Playwright's 5 s to draw a map; a waiting
# assertion only takes that long when it is about to fail.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module: Playwright's event loop must be gone before the
    tests of other modules use the ORM in this thread."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    # Playwright's sync API runs an event loop in this thread while the module runs;
    # the ORM calls that tests and their fixtures make meanwhile are still synchronous.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context (its own cookies) on the live server.

    Every page of every browser test is also a check of the Content-Security-Policy:
    anything the policy blocked (a script, a style, an image) fails the test."""
    contexts, blocked = [], []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: blocked.append(message.text)
                if "Content Security Policy" in message.text else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not blocked, f"blocked by the Content-Security-Policy: {blocked}"
