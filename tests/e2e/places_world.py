"""A city layer with named streets and districts inside the factories' project area,
for the maps' place search in the browser tests."""

from tests.gisdata.test_places import layer_make

# Inside tests.factories.AREA_BBOX (2.10, 41.35, 2.22, 41.45), away from its centre.
STREET = ("Carrer de la Plaça Gran", "LINESTRING(2.190 41.420, 2.195 41.423)")
STREETS = [
    STREET,
    ("Carrer de la Plaça Gran", "LINESTRING(2.195 41.423, 2.198 41.425)"),
    ("Plaça del Sol", "POINT(2.1565 41.4010)"),
    ("Gràcia", "POLYGON((2.150 41.400, 2.160 41.400, 2.160 41.410, 2.150 41.410, "
               "2.150 41.400))"),
    ("Passeig de Gràcia", "LINESTRING(2.164 41.390, 2.166 41.395)"),
]


def streets_make():
    return layer_make("streets", rows=STREETS)


# Leaflet's map of the page, kept where a test can ask it where it is.
KEEP_MAP = ("window.addEventListener('map:init', function (e) {"
            " window.plazaTestMap = e.detail.map; });")


def map_centre(page) -> tuple[float, float]:
    return tuple(page.evaluate(
        "(() => { const c = window.plazaTestMap.getCenter(); return [c.lng, c.lat]; })()"))


def tab_to(page, locator, *, back=False, limit=60):
    """Press Tab (Shift+Tab with `back`) until `locator` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError("not reachable with the keyboard")
