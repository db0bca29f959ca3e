"""map_clusters: the project map's exact counts per cell, over a city of proposals.

Ours: an anonymous `GET /api/v1/projects/{id}/proposals/clusters/?bbox=…&zoom=…` over
HTTP on a keep-alive connection to the deployment's gunicorn (bench/gunicorn.py), as the
map asks it (the whole stack: gunicorn, middleware, DRF, throttle, visibility rules, the
threshold check and the `GROUP BY` PostGIS answers with GeoJSON). The same request through
`django.test.Client` in this process is a detail line: what HTTP and gunicorn add.
Reference: the textbook query for the same cells, `ST_SnapToGrid(ST_PointOnSurface(
geometry), …) … GROUP BY`, sent with psycopg on a connection of its own to the same
database, every row fetched. The counts of every cell must be equal.

Views: the whole city at zoom 12, then three smaller views (zoom 13, 14, 15, centred on
the city centre, the size of a 1200 × 900 pixel map) with a category filter. The summary
line is the whole city's.

The browser: the project page opened cold in Chromium (Playwright) on a phone (390×844,
"Show the map" pressed) and a desktop (1280×800), served by the deployment's gunicorn
with its workers and threads, timed from navigation to the first frame after the whole
city's bubbles are drawn; the bubbles must add up to the answer's `numberMatched`, the
list's total and the public proposals counted in SQL, each bubble a button. `--growth
100000,1000000` does the whole city and the browser at each size (a project per size,
seeded side by side) and prints how each grew.

    .venv/bin/python -m bench.bench_map_clusters [--proposals 1000000] [--runs 10]
        [--browser-runs 5] [--devices phone,desktop] [--slow-4g] [--growth N,N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import time

import psycopg

from bench import plans
from bench.common import (
    SHOW_MAP_JS,
    bench_seeding_project,
    fail,
    machine_facts,
    out,
    p50,
    p95,
    rounds,
    setup_django,
    summary,
)
from bench.gunicorn import KeepAlive, add_server_arguments, serving

NAME = "map_clusters"
SLUG = "bench-map-clusters"
FULL_SIZE = 1_000_000
AREA = (2.05, 41.32, 2.23, 41.47)  # Barcelona, roughly
CENTRE = (2.17, 41.39)
SEED = 0.1717
CATEGORIES = ("streets", "green", "mobility")
SCREEN = (1200, 900)  # the map's size in pixels, for the views' bboxes

# The browser's devices: a phone (the map behind the list, "Show the map" pressed as a
# reader does) and a desktop (map and list side by side).
DEVICES = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True,
              "has_touch": True, "device_scale_factor": 3},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
# Lighthouse's "slow 4G" (its mobile throttling): bytes per second, milliseconds.
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8,
           "uploadThroughput": 750_000 / 8}

# Runs in the page before its own scripts: shows the map once the page's scripts are set
# up (a phone shows the list first), and notes the first frame after the map's answer is
# drawn. static/js/plaza-map.js marks the map (`#map[data-clustered]`) in the same task
# that adds every bubble, so the observer's callback (a microtask after that task) sees
# them all; the bench then checks that they are all there.
PROBE = """
window.__bench = {};
""" + SHOW_MAP_JS + """var seen = new MutationObserver(function () {
  var node = document.getElementById("map");
  if (!node || node.dataset.clustered !== "true" || !node.querySelector(".map-bubble")) {
    return;
  }
  seen.disconnect();
  requestAnimationFrame(function () { window.__bench.drawn = performance.now(); });
});
seen.observe(document, { subtree: true, attributes: true,
                         attributeFilter: ["data-clustered"] });
"""

# What the page shows once drawn: the bubbles' numbers and names, whether each is a
# button in the tab order, single proposals' markers, the elements drawn, the list's
# count, and the browser's timing of the page and of the clusters requests.
COLLECT = """() => {
  const node = document.getElementById("map");
  const bubbles = Array.from(node.querySelectorAll(".map-bubble"));
  const nav = performance.getEntriesByType("navigation")[0];
  const count = document.querySelector("[data-list-count]");
  return {
    drawn: window.__bench.drawn, loaded: node.dataset.loaded,
    clustered: node.dataset.clustered,
    numbers: bubbles.map(b => b.textContent),
    labels: bubbles.map(b => b.getAttribute("aria-label")),
    buttons: bubbles.filter(b => b.getAttribute("role") === "button" && b.tabIndex === 0)
      .length,
    singles: node.querySelectorAll("path.leaflet-interactive").length,
    tabStops: Array.from(node.querySelectorAll("a[href], button, [tabindex]"))
      .filter(e => e.tabIndex >= 0 && e.offsetParent !== null).length,
    mapElements: node.getElementsByTagName("*").length,
    pageElements: document.getElementsByTagName("*").length,
    listCount: count ? count.textContent : "",
    html: { firstByte: nav.responseStart, end: nav.responseEnd,
            domContentLoaded: nav.domContentLoadedEventEnd },
    clusters: performance.getEntriesByType("resource")
      .filter(e => e.name.includes("/proposals/clusters/"))
      .map(e => ({ url: e.name, start: e.startTime, firstByte: e.responseStart,
                   end: e.responseEnd, transfer: e.transferSize,
                   decoded: e.decodedBodySize })),
  };
}"""

# One proposal in a hundred is a short line (its point on surface is its middle vertex),
# the others points; one in twenty is hidden and one in twenty waits for moderation:
# neither counts for an anonymous reader.
SEED_SQL = """
INSERT INTO proposals_proposal
    (project_id, author_id, category_id, title, body, geometry, status,
     official_answer, is_hidden, hidden_reason, constraint_feedback, created_at, updated_at)
SELECT %(project)s, %(author)s, (%(categories)s::int[])[1 + g %% 3],
       'Proposal ' || g, 'What proposal ' || g || ' would change here, and why.',
       ST_SetSRID(CASE WHEN g %% 100 = 0
                       THEN ST_MakeLine(ARRAY[ST_MakePoint(x, y),
                                              ST_MakePoint(x + 0.001, y + 0.0007),
                                              ST_MakePoint(x + 0.002, y)])
                       ELSE ST_MakePoint(x, y) END, 4326),
       CASE WHEN g %% 20 = 7 THEN 'submitted' ELSE 'published' END,
       '', g %% 20 = 3, CASE WHEN g %% 20 = 3 THEN 'Spam.' ELSE '' END, '[]',
       now() - g * interval '1 second', now()
FROM (SELECT g, %(minx)s + random() * (%(maxx)s - %(minx)s) AS x,
             %(miny)s + random() * (%(maxy)s - %(miny)s) AS y
      FROM generate_series(1, %(n)s) AS g) s
"""

# The textbook query: the same visibility rule (public statuses, not hidden), the same
# bbox test and category filter, each proposal's point on surface worked out here. The
# request names a category by its slug, so a filtered view joins the categories, as ours
# does (given the category's id instead, the planner may choose another index).
REFERENCE_SQL = """
SELECT count(*), avg(ST_X(p)), avg(ST_Y(p))
FROM (SELECT ST_PointOnSurface(r.geometry) AS p
      FROM proposals_proposal r {join}
      WHERE r.project_id = %(project)s AND r.status = ANY(%(statuses)s) AND NOT r.is_hidden
        AND r.geometry && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326) {category}) t
GROUP BY ST_SnapToGrid(p, 0, 0, %(cw)s, %(ch)s)
"""
BY_SLUG = {"join": "JOIN proposals_category c ON c.id = r.category_id",
           "category": "AND c.slug = %(category)s"}


def reference_sql(category: str | None) -> str:
    return REFERENCE_SQL.format(**(BY_SLUG if category else {"join": "", "category": ""}))


def slug_of(n: int) -> str:
    """The project of `n` proposals: one per size, so that the sizes of a growth run
    stay seeded side by side (the full size keeps the name it always had)."""
    return SLUG if n == FULL_SIZE else f"{SLUG}-{n}"


def seed(n: int):
    """The project with its `n` proposals: reused when it is there with all of them."""
    from django.db import connection, transaction

    from proposals.models import Category, Project, Proposal

    slug = slug_of(n)
    project = Project.objects.filter(slug=slug).first()
    if project is not None and Proposal.objects.filter(project=project).count() == n:
        out(f"seed: reused project {project.pk} with {n:,} proposals")
        return project
    started = time.perf_counter()
    with transaction.atomic():
        project, user = bench_seeding_project(
            project, slug=slug, title=f"Benchmark: the map's clusters ({n:,} proposals)",
            description="Proposals seeded by bench/bench_map_clusters.py.", area=AREA)
        categories = [Category.objects.get_or_create(project=project, slug=slug,
                                                     defaults={"name": slug.title()})[0].pk
                      for slug in CATEGORIES]
        with connection.cursor() as cursor:
            # Inserting a million rows takes longer than the site's bound on a statement.
            cursor.execute("SET LOCAL statement_timeout = 0")
            # Nothing else writes to this database: no votes, comments or images.
            cursor.execute("DELETE FROM proposals_proposal WHERE project_id = %s",
                           [project.pk])
            cursor.execute("SELECT setseed(%s)", [SEED])
            minx, miny, maxx, maxy = AREA
            cursor.execute(SEED_SQL, {"project": project.pk, "author": user.pk,
                                      "categories": categories, "minx": minx, "miny": miny,
                                      "maxx": maxx, "maxy": maxy, "n": n})
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("VACUUM (FULL, ANALYZE) proposals_proposal")
        cursor.execute("RESET statement_timeout")
    out(f"seed: project {project.pk}, {n:,} proposals inserted in {seeded:.1f} s, "
        f"VACUUM FULL ANALYZE {time.perf_counter() - started:.1f} s")
    return project


def views() -> list[tuple[str, int, tuple[float, float, float, float], str | None]]:
    """(label, zoom, bbox, category slug): the whole city, then three zooms on its centre."""
    found = [("whole city, zoom 12", 12, AREA, None)]
    for zoom in (13, 14, 15):
        half_w = SCREEN[0] / 2 * 360 / (256 * 2 ** zoom)
        half_h = SCREEN[1] / 2 * 360 / (256 * 2 ** zoom) * 0.75  # cos(41.4°)
        bbox = (CENTRE[0] - half_w, CENTRE[1] - half_h, CENTRE[0] + half_w, CENTRE[1] + half_h)
        found.append((f"zoom {zoom}, category green", zoom, bbox, "green"))
    return found


def time_views(project, dsn: str, chosen: list, args) -> list[dict]:
    """Ours over HTTP (gunicorn, one worker and one thread), in process and the reference
    for each view of `chosen`, checked then timed: one dict of figures per view."""
    from django.test import Client

    from proposals.clusters import cell_size
    from proposals.models import PUBLIC_STATUSES

    statuses = [str(s) for s in PUBLIC_STATUSES]
    local = Client()
    answered = set()
    results = []
    with (psycopg.connect(dsn, connect_timeout=5, autocommit=True,
                          prepare_threshold=None) as conn,
          serving(f"/api/v1/projects/{project.pk}/") as server,
          KeepAlive(server.port) as browser):
        out(machine_facts(conn))
        out(server.line() + " (platform/deploy/gunicorn.conf.py, 1 worker × 1 thread: "
            "one request at a time)")
        for label, zoom, bbox, category in chosen:
            url = (f"/api/v1/projects/{project.pk}/proposals/clusters/?zoom={zoom}"
                   f"&bbox={','.join(f'{v:.6f}' for v in bbox)}"
                   + (f"&category={category}" if category else ""))
            bbox = tuple(float(f"{v:.6f}") for v in bbox)
            cw, ch = cell_size(zoom, (bbox[1] + bbox[3]) / 2)
            params = {"project": project.pk, "statuses": statuses, "w": bbox[0],
                      "s": bbox[1], "e": bbox[2], "n": bbox[3], "cw": cw, "ch": ch,
                      "category": category}
            sql = reference_sql(category)

            def ours(url=url):
                status, body = browser.get(url)
                answered.add(status)
                return status, body

            def in_process(url=url):
                response = local.get(url)
                answered.add(response.status_code)
                return response.status_code, response.content

            def reference(params=params, sql=sql):
                return conn.execute(sql, params).fetchall()

            cells = reference()
            captured, statements = plans.capture(in_process)
            # Ours' cells: its longest statement (the other is the threshold's count).
            grouping = max(statements, key=lambda s: len(s.sql))
            plans.compare(label, [plans.shape(plans.explain_django(grouping))],
                          [plans.shape(plans.explain_psycopg(conn, sql, params))],
                          out=out, fail=fail)
            for side, (status, content) in (("over HTTP", ours()), ("in process", captured)):
                if status != 200:
                    fail(f"GET {url} ({side}) answered {status}: {content[:300]!r}")
                body = json.loads(content)
                if not body["clustered"]:
                    fail(f"{label}: {body['numberMatched']} proposals, not clustered.")
                check(f"{label} ({side})", body, cells)
            # Every anonymous reader's cells are cached under the project's map version
            # (proposals/clusters.py): a new version before each of ours makes it count
            # them, as the first reader after any change does. The cached answer is timed
            # apart below.
            def new_version(project_id=project.pk):
                conn.execute("UPDATE proposals_mapversion SET version = gen_random_uuid() "
                             "WHERE project_id = %s", [project_id])

            times = rounds({"ours": ours, "reference": reference, "in process": in_process},
                           warmup=args.warmup, runs=args.runs,
                           before={"ours": new_version, "in process": new_version})
            ours()  # counted once more, then read from the cache
            cached = rounds({"ours": ours}, warmup=1, runs=args.runs)["ours"]
            if answered != {200}:
                fail(f"GET {url} answered {sorted(answered)} during the timed runs.")
            ours_p50, ref_p50, local_p50 = (p50(times[k]) for k in
                                            ("ours", "reference", "in process"))
            out(f"{label}: {body['numberMatched']:,} proposals in {len(cells):,} cells, "
                f"{len(content):,} bytes; p50 ours (HTTP) {ours_p50 * 1000:.1f} ms, "
                f"reference {ref_p50 * 1000:.1f} ms, ratio {ours_p50 / ref_p50:.2f}; p95 ours "
                f"{p95(times['ours']) * 1000:.1f} ms, reference "
                f"{p95(times['reference']) * 1000:.1f} ms; in process (django.test.Client) "
                f"p50 {local_p50 * 1000:.1f} ms, ratio {local_p50 / ref_p50:.2f}; "
                f"from the cache (HTTP, the map unchanged since) p50 "
                f"{p50(cached) * 1000:.1f} ms")
            results.append({"label": label, "ours": ours_p50, "reference": ref_p50,
                            "matched": body["numberMatched"], "cells": len(cells)})
    return results


def public_total(conn, project) -> int:
    """The project's proposals an anonymous reader sees, counted in SQL by the rule the
    seeding follows (published, not hidden): what the bubbles must add up to."""
    from proposals.models import PUBLIC_STATUSES

    return conn.execute(
        "SELECT count(*) FROM proposals_proposal WHERE project_id = %s "
        "AND status = ANY(%s) AND NOT is_hidden",
        [project.pk, [str(s) for s in PUBLIC_STATUSES]]).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=FULL_SIZE,
                        help="proposals in the project (1,000,000)")
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each (10)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs of each first (2)")
    parser.add_argument("--growth", metavar="N,N,…",
                        help="the whole city at each of these sizes (one project each, "
                             "seeded side by side), in a table: e.g. 100000,1000000")
    parser.add_argument("--browser-runs", type=int, default=5,
                        help="cold loads of the project page in Chromium per device "
                             "(5; 0: no browser)")
    parser.add_argument("--devices", default="phone,desktop",
                        help="phone (390×844) and/or desktop (1280×800)")
    parser.add_argument("--slow-4g", action="store_true",
                        help="throttle the browser's network to Lighthouse's slow 4G")
    add_server_arguments(parser)
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs must be at least 2")
    devices = [d for d in args.devices.split(",") if d]
    if not set(devices) <= set(DEVICES):
        parser.error(f"--devices: any of {', '.join(DEVICES)}")
    sizes = ([int(n) for n in args.growth.split(",")] if args.growth else [args.proposals])

    dsn = setup_django()
    projects = [seed(n) for n in sizes]
    table = []
    summary_line = None
    for n, project in zip(sizes, projects, strict=True):
        out(f"-- {n:,} proposals (project {project.pk})")
        chosen = views()[:1] if args.growth else views()
        timed = time_views(project, dsn, chosen, args)
        summary_line = summary(NAME, timed[0]["ours"] * 1000, timed[0]["reference"] * 1000,
                               "ms")
        row = {"size": n, **timed[0]}
        if args.browser_runs:
            row.update(browser_loads(project, dsn, devices, args))
        table.append(row)
    if args.growth:
        growth_table(table, devices if args.browser_runs else [])
    out(summary_line)


def growth_table(table: list[dict], devices: list[str]) -> None:
    """Size, ours, reference, ratio and the browser's draw per device; then how much
    each grew from the first size to the last."""
    heads = ["proposals", "public", "ours (HTTP)", "reference", "ratio",
             *(f"drawn, {d}" for d in devices), *(f"clusters request, {d}" for d in devices)]
    out("growth, the whole city: | " + " | ".join(heads) + " |")
    for row in table:
        cells = [f"{row['size']:,}", f"{row['matched']:,}", f"{row['ours'] * 1000:.0f} ms",
                 f"{row['reference'] * 1000:.0f} ms", f"{row['ours'] / row['reference']:.2f}",
                 *(f"{row[d]['drawn']:.0f} ms" for d in devices),
                 *(f"{row[d]['request']:.0f} ms" for d in devices)]
        out("growth, the whole city: | " + " | ".join(cells) + " |")
    first, last = table[0], table[-1]
    factors = [f"ours ×{last['ours'] / first['ours']:.1f}",
               f"reference ×{last['reference'] / first['reference']:.1f}",
               *(f"drawn on the {d} ×{last[d]['drawn'] / first[d]['drawn']:.2f}"
                 for d in devices),
               *(f"clusters request on the {d} ×{last[d]['request'] / first[d]['request']:.1f}"
                 for d in devices)]
    out(f"growth {first['size']:,} → {last['size']:,} proposals "
        f"(×{last['size'] / first['size']:.0f}): " + ", ".join(factors))


def browser_loads(project, dsn: str, devices: list[str], args) -> dict:
    """The project page opened cold in Chromium on each device, `--browser-runs` times
    after one untimed load: the time from navigation to the first frame after the whole
    city's bubbles are drawn, checked against the API's answer, the list's total and SQL.
    Returns {device: {"drawn": p50 ms, "request": p50 ms of the clusters request}}."""
    from playwright.sync_api import sync_playwright

    with psycopg.connect(dsn, connect_timeout=5, autocommit=True,
                         prepare_threshold=None) as conn:
        total = public_total(conn, project)
    path = f"/projects/{project.slug}/"
    found = {}
    os.environ["MAP_TILES_URL"] = ""  # no background map: this machine has no internet
    with (serving(f"/api/v1/projects/{project.pk}/", workers=args.workers,
                  threads=args.threads,
                  extra_env={"DJANGO_SETTINGS_MODULE": "bench.server_settings",
                             "MAP_TILES_URL": ""}) as server,
          sync_playwright() as playwright):
        out(server.line() + f" ({args.workers} workers × {args.threads} threads, the "
            "deployment's; static files by WhiteNoise, bench/server_settings.py)")
        chromium = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update"])
        base = f"http://127.0.0.1:{server.port}"

        def first_reader(device: str) -> dict:
            """A load as the first reader after a change to the map (a new map version:
            the server counts the cells rather than reading them from its cache)."""
            with psycopg.connect(dsn, connect_timeout=5, autocommit=True) as bump:
                bump.execute("UPDATE proposals_mapversion SET version = gen_random_uuid() "
                             "WHERE project_id = %s", [project.pk])
            return load(chromium, base, path, device, args.slow_4g)

        try:
            for device in devices:
                load(chromium, base, path, device, args.slow_4g)  # the server warms up
                runs = [first_reader(device) for _ in range(args.browser_runs)]
                cached = [load(chromium, base, path, device, args.slow_4g)
                          for _ in range(args.browser_runs)]
                out(f"{device}: with the cells from the server's cache (the map unchanged "
                    f"since the last load), drawn p50 "
                    f"{p50([r['drawn'] for r in cached]):.0f} ms")
                for i, run in enumerate(runs):
                    verify(f"{device}, load {i + 1}", run, total)
                with psycopg.connect(dsn, connect_timeout=5, autocommit=True,
                                     prepare_threshold=None) as conn:
                    cells_of_answer(conn, project, device, runs[0])
                found[device] = report(device, runs, args.slow_4g)
        finally:
            chromium.close()
    return found


def load(chromium, base: str, path: str, device: str, slow_4g: bool) -> dict:
    """One cold load (a fresh context: nothing cached) until the bubbles are drawn."""
    context = chromium.new_context(base_url=base, **DEVICES[device])
    context.add_init_script(PROBE)
    page = context.new_page()
    problems, aborted, answers = [], [], []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught error: {e}"))
    page.on("requestfailed", lambda r: (aborted if r.failure == "net::ERR_ABORTED"
                                        else problems).append(f"{r.method} {r.url}"))
    page.on("response", lambda r: answers.append(r))
    if slow_4g:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    try:
        page.goto(path, wait_until="commit")
        page.wait_for_function("() => window.__bench.drawn", timeout=120_000)
        found = page.evaluate(COLLECT)
        problems += [f"{r.status} {r.request.method} {r.url}" for r in answers
                     if r.status >= 400]
        drew = [r for r in answers if "/proposals/clusters/" in r.url and r.status == 200]
        if not drew:
            fail(f"{device}: the bubbles were drawn, but no clusters answer was seen.")
        found["answer"] = drew[-1].body()
        found["answer_url"] = drew[-1].url
        found["problems"], found["aborted"] = problems, aborted
        return found
    finally:
        context.close()


def verify(label: str, run: dict, total: int) -> None:
    """The bubbles add up to the answer's numberMatched, the page's list's total and the
    public count in SQL; one bubble per cell; each a button; nothing went wrong."""
    body = json.loads(run["answer"])
    if run["problems"]:
        fail(f"{label}: " + "; ".join(run["problems"]))
    if run["clustered"] != "true" or not body["clustered"]:
        fail(f"{label}: the whole city was not drawn in cells.")
    numbers = [int(n) for n in run["numbers"]]
    named = [int(re.fullmatch(r"(\d+) proposals?", label_).group(1))
             if re.fullmatch(r"(\d+) proposals?", label_ or "") else -1
             for label_ in run["labels"]]
    drawn = sum(numbers) + run["singles"]
    listed = re.search(r"of ([\d,.\s\u00a0\u202f]+) proposals?", run["listCount"])
    listed = int(re.sub(r"\D", "", listed.group(1))) if listed else None
    counts = {"the bubbles' numbers (and single proposals)": drawn,
              "the bubbles' names": sum(named), "the map's data-loaded": int(run["loaded"]),
              "the answer's numberMatched": body["numberMatched"],
              "the list's total": listed, "the public proposals in SQL": total}
    if len(set(counts.values())) != 1:
        fail(f"{label}: the counts differ: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if len(numbers) != len(body["features"]):
        fail(f"{label}: {len(numbers)} bubbles drawn for {len(body['features'])} cells.")
    if run["buttons"] != len(numbers):
        fail(f"{label}: {run['buttons']} of the {len(numbers)} bubbles are buttons in the "
             "tab order.")


def cells_of_answer(conn, project, device: str, run: dict) -> None:
    """The cells the browser drew are the reference's for its own view and zoom."""
    from urllib.parse import parse_qs, urlsplit

    from proposals.clusters import cell_size
    from proposals.models import PUBLIC_STATUSES

    query = parse_qs(urlsplit(run["answer_url"]).query)
    zoom = int(query["zoom"][0])
    w, s, e, n = (float(v) for v in query["bbox"][0].split(","))
    cw, ch = cell_size(zoom, (s + n) / 2)
    cells = conn.execute(reference_sql(None), {
        "project": project.pk, "statuses": [str(x) for x in PUBLIC_STATUSES], "w": w,
        "s": s, "e": e, "n": n, "cw": cw, "ch": ch, "category": None}).fetchall()
    check(f"{device}, the browser's view (zoom {zoom})", json.loads(run["answer"]), cells)


def report(device: str, runs: list[dict], slow_4g: bool) -> dict:
    """Detail lines for one device; its p50s."""
    first = runs[0]
    size = DEVICES[device]["viewport"]
    request = [r["clusters"][-1] for r in runs]
    drawn = p50([r["drawn"] for r in runs])
    took = p50([c["end"] - c["start"] for c in request])
    query = first["answer_url"].split("?", 1)[1]
    zoom = re.search(r"zoom=(\d+)", query).group(1)
    requests = sorted({len(r["clusters"]) for r in runs})
    out(f"{device} {size['width']}×{size['height']}, "
        f"{'slow 4G' if slow_4g else 'no throttling'}, {len(runs)} cold loads: whole city "
        f"drawn p50 {drawn:.0f} ms (min {min(r['drawn'] for r in runs):.0f}, max "
        f"{max(r['drawn'] for r in runs):.0f}); the page's first byte p50 "
        f"{p50([r['html']['firstByte'] for r in runs]):.0f} ms, DOMContentLoaded "
        f"{p50([r['html']['domContentLoaded'] for r in runs]):.0f} ms; the clusters request "
        f"sent at {p50([c['start'] for c in request]):.0f} ms, answered in {took:.0f} ms "
        f"({took / drawn:.0%} of the draw), bubbles drawn "
        f"{p50([r['drawn'] - c['end'] for r, c in zip(runs, request, strict=True)]):.0f} ms "
        f"after its answer; clusters requests per load {requests}, aborted "
        f"{sum(len(r['aborted']) for r in runs)}")
    body = json.loads(first["answer"])
    out(f"{device}: zoom {zoom}, {len(first['numbers'])} bubbles adding up to "
        f"{body['numberMatched']:,} (= numberMatched = the list's total = SQL's count); "
        f"answer {len(first['answer']):,} B ({request[0]['transfer']:,} B received, "
        f"{len(gzip.compress(first['answer'])):,} B gzipped); elements: "
        f"{first['mapElements']:,} in the map, {first['pageElements']:,} in the page; "
        f"keyboard: all {first['buttons']} bubbles are buttons (role=button, tabindex 0, "
        f"named \"N proposals\"), {first['tabStops']} tab stops in the map")
    return {"drawn": drawn, "request": took}


def check(label: str, body: dict, cells: list[tuple]) -> None:
    """Every cell of ours is one of the reference's with the same count (matched by where
    its proposals' mean lies), none is missing, and the counts add up to the total."""
    ours = sorted((*f["geometry"]["coordinates"], f["properties"]["count"])
                  for f in body["features"])
    ref = sorted((x, y, n) for n, x, y in cells)
    differ = len(ours) != len(ref) or any(
        a[2] != b[2] or abs(a[0] - b[0]) > 1e-6 or abs(a[1] - b[1]) > 1e-6
        for a, b in zip(ours, ref, strict=False))
    if differ:
        fail(f"{label}: ours and the reference give different cells "
             f"({len(ours)} against {len(ref)}).")
    total = sum(n for n, _, _ in cells)
    if body["numberMatched"] != total:
        fail(f"{label}: numberMatched {body['numberMatched']} but the cells hold {total}.")


if __name__ == "__main__":
    main()
