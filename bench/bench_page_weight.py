"""page_weight: the demo's Barcelona project page on a phone over a slow 4G network.

The project's area (the whole city, 9,466 points) used to be inlined in every page with a
map, at full resolution: 380 KB of the page's 396 KB. Now the pages carry its bounding
box and the address of its shape, simplified for display and cached by the browser
(`GET /api/v1/projects/{id}/area/`, proposals/area_display.py).

Ours: the page as the site serves it. Reference: the same page with the area inlined as
it used to be (the map config's `"area"`, `json.loads(project.area.json)` as the old
view wrote it), served from the same server; its script's request for the area's address is
answered at once, in the page, with the full-resolution area the page has inline (the old
page drew it without asking).

Timed: Chromium (Playwright) at 390×844, network throttled through the DevTools protocol
(`Network.emulateNetworkConditions`) to Lighthouse's slow 4G (150 ms round trip,
1.6 Mbit/s down, 750 kbit/s up), a fresh browser context per load (nothing cached). The
page's "Show the map" is pressed as soon as the page has run its scripts, as a phone's
reader does; the time is from navigation to the first frame after the outline of the area
is on the map (`#map path.plaza-area` with its shape). Ours and the reference alternate.
Detail lines: the bytes of each page with a map (ours and the old inline one), the area's
answer, every byte the browser received per load, first contentful paint, and a second
load in the same context (ours: the area from the browser's cache).

    .venv/bin/python -m bench.bench_page_weight [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import threading

from bench.common import SHOW_MAP_JS, fail, out, p50, setup_django, summary

NAME = "page_weight"
SLUG = "barcelona-neighbourhoods"
REFERENCE_PATH = "/bench-page-weight/reference/"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 3}
# Lighthouse's "slow 4G" (its mobile throttling): bytes per second, milliseconds.
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8,
           "uploadThroughput": 750_000 / 8}
CONFIG_RE = re.compile(r'<script id="map-config" type="application/json">.*?</script>', re.S)

# Runs in each page before its own scripts: shows the map once the page's scripts are
# set up (a phone shows the list first), and notes when the area's outline is drawn.
PROBE = """
window.__bench = {};
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) {
    if (e.name === "first-contentful-paint") { window.__bench.fcp = e.startTime; }
  });
}).observe({ type: "paint", buffered: true });
""" + SHOW_MAP_JS + """var seen = new MutationObserver(function () {
  var path = document.querySelector("#map path.plaza-area");
  if (!path || (path.getAttribute("d") || "").length < 100) { return; }
  seen.disconnect();
  requestAnimationFrame(function () { window.__bench.outline = performance.now(); });
});
seen.observe(document, { subtree: true, childList: true, attributes: true,
                         attributeFilter: ["d"] });
"""

# The reference page's script asks for the area's address as ours does; this answers it
# at once with the area the page has inline, as the old page drew it without asking.
# (A Playwright route would do it too, but routing turns the browser's cache off, and
# the second load is measured with the cache.)
INLINE = """
var realFetch = window.fetch;
window.fetch = function (url, options) {
  if (/\\/api\\/v1\\/projects\\/\\d+\\/area\\//.test(String(url))) {
    var config = JSON.parse(document.getElementById("map-config").textContent);
    return Promise.resolve(new Response(JSON.stringify(config.area),
                                        { headers: { "Content-Type": "application/geo+json" } }));
  }
  return realFetch.apply(this, arguments);
};
"""


def old_page(html: str, area: dict) -> str:
    """The page as the pages were written before: the whole area inlined in the map's
    config."""
    from django.utils.html import json_script

    element = CONFIG_RE.search(html).group(0)
    config = json.loads(element.split(">", 1)[1].rsplit("<", 1)[0])
    return html.replace(element, json_script({**config, "area": area}, "map-config"), 1)


def page_bytes(project) -> list[tuple[str, int, int]]:
    """(page, ours, the old inline page) in bytes, for each page with the project's map."""
    from django.test import Client

    from proposals.models import Proposal

    area = json.loads(project.area.json)
    planner = Client()
    planner.force_login(_user("planner"))
    proposal = Proposal.objects.filter(project=project, status="published").first()
    # No propose page: the demo project's ideation has closed (it votes on its budget).
    pages = [("project page", Client(), f"/projects/{project.slug}/"),
             ("proposal page", Client(), f"/proposals/{proposal.pk}/"),
             ("dashboard set-up page", planner, f"/dashboard/projects/{project.slug}/edit/")]
    rows = []
    for label, client, url in pages:
        response = client.get(url)
        if response.status_code != 200:
            fail(f"{url} answered {response.status_code}.")
        html = response.content.decode()
        if '"area":' in CONFIG_RE.search(html).group(0):
            fail(f"{url} still inlines the area.")
        old = old_page(html, area)
        rows.append((label, len(response.content), len(old.encode())))
    return rows


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def serve(reference_html: bytes):
    """The site on a free port of 127.0.0.1 (threads; static files as in the tests), with
    the reference page at REFERENCE_PATH."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    site = StaticFilesHandler(WSGIHandler())

    def app(environ, start_response):
        if environ["PATH_INFO"] == REFERENCE_PATH:
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                      ("Content-Length", str(len(reference_html)))])
            return [reference_html]
        return site(environ, start_response)

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet)
    server.set_app(app)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Phone:
    """One Chromium; each load in a fresh context, throttled, with the probe."""

    def __init__(self, playwright, base: str):
        chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        self.browser = playwright.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update"])
        self.base = base

    def load(self, path: str, *, inline: bool) -> dict:
        context = self.browser.new_context(base_url=self.base, **PHONE)
        context.add_init_script(PROBE + (INLINE if inline else ""))
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        received = [0]
        cdp.on("Network.loadingFinished",
               lambda e: received.__setitem__(0, received[0] + e["encodedDataLength"]))
        try:
            first = self._visit(page, path)
            first["bytes"] = received[0]
            received[0] = 0
            again = self._visit(page, path)
            first["again"] = again["outline"]
            first["again_bytes"] = received[0]
            return first
        finally:
            context.close()

    @staticmethod
    def _visit(page, path: str) -> dict:
        page.goto(path, wait_until="commit")
        page.wait_for_function("() => window.__bench && window.__bench.outline", timeout=120_000)
        return page.evaluate("window.__bench")

    def close(self):
        self.browser.close()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    setup_django()

    # Static files by their plain names (no collectstatic), as bench/server_settings.py.
    from django.conf import settings
    from django.contrib.gis.geos import GEOSGeometry
    from django.test import Client
    from django.test.utils import override_settings

    from demo.loader import demo_load
    from proposals import area_display
    from proposals.models import Project

    override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
    out("seeding: the demo city (demo.loader.demo_load, which adds only what is missing)")
    demo_load()
    project = Project.objects.get(slug=SLUG)

    out(f"area: {project.area.num_coords} points in {len(project.area)} polygons")
    for label, ours, old in page_bytes(project):
        out(f"{label}: ours {ours:,} B, old inline page {old:,} B ({ours / old:.1%})")
    answer = Client().get(area_display.area_map_config(project)["area_url"])
    shape = GEOSGeometry(json.dumps(answer.json()["geometry"]))
    if answer.status_code != 200 or not shape.valid or shape.num_coords >= \
            project.area.num_coords:
        fail("the area's answer is not a valid, simplified shape.")
    full_area = json.dumps({"type": "Feature", "id": project.pk,
                            "geometry": json.loads(project.area.json), "properties": {}})
    out(f"area answer: {len(answer.content):,} B, {shape.num_coords} points "
        f"(full resolution: {len(full_area):,} B); {answer['Cache-Control']}")

    html = Client().get(f"/projects/{project.slug}/").content.decode()
    reference = old_page(html, json.loads(project.area.json))
    server = serve(reference.encode())
    base = f"http://127.0.0.1:{server.server_address[1]}"

    from playwright.sync_api import sync_playwright

    ours_runs, ref_runs = [], []
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the server's threads use the ORM
    with sync_playwright() as playwright:
        phone = Phone(playwright, base)
        try:
            phone.load(f"/projects/{project.slug}/", inline=False)  # warm the server
            for i in range(args.runs):
                pair = [(ours_runs, f"/projects/{project.slug}/", False),
                        (ref_runs, REFERENCE_PATH, True)]
                for runs, path, inline in pair if i % 2 == 0 else reversed(pair):
                    runs.append(phone.load(path, inline=inline))
        finally:
            phone.close()
            server.shutdown()

    def line(label, runs):
        med = {key: statistics.median(r[key] for r in runs)
               for key in ("outline", "fcp", "bytes", "again", "again_bytes")}
        out(f"{label}: outline drawn p50 {med['outline']:.0f} ms (first contentful paint "
            f"{med['fcp']:.0f} ms), {med['bytes'] / 1024:.0f} KB received; second load "
            f"{med['again']:.0f} ms, {med['again_bytes'] / 1024:.0f} KB")

    out(f"phone 390x844, slow 4G (150 ms, 1.6 Mbit/s down), {args.runs} loads of each")
    line("ours", ours_runs)
    line("reference (old inline page)", ref_runs)
    out(summary(NAME, p50([r["outline"] for r in ours_runs]) / 1000,
                p50([r["outline"] for r in ref_runs]) / 1000, "s"))


if __name__ == "__main__":
    main()
