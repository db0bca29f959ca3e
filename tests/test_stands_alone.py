"""The repository stands alone: no project file names a path outside it.

A clone with nothing beside it must run its tests, benchmarks, demo and docs, so no file
may point at a sibling checkout (`../<sibling>/`), at someone's home or work folder, or
climb from ``__file__`` (or from the root) above the root. System paths the platform runs
with (/usr/bin/chromium, /usr/lib/postgresql, /var/tmp, /etc, /proc, /dev) stay allowed.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Folders never scanned when git cannot list the tracked files: the virtualenv, local
# services and caches, downloaded or generated files, third-party code.
SKIPPED = {".git", ".venv", "var", "node_modules", "__pycache__", ".pytest_cache",
           ".ruff_cache", ".hypothesis", "test-results", "test-artefacts"}
SKIPPED_PATHS = {"static/vendor"}

# A file that must name such a path, and why. Each entry is checked to be still needed.
ALLOWED: dict[str, str] = {}

LITERALS = [
    # A quoted path that climbs out of the root into a sibling folder (../data/x.csv):
    # code runs from the root, so that is a checkout beside the repository. Markdown
    # links are judged by their depth below (MARKDOWN_LINK).
    (re.compile(r"[\"'`]\.\.[/\\][A-Za-z][\w.-]*[/\\]"),
     "a sibling checkout beside the repository"),
    # A home or work folder; a URL's path (https://host/home/...) is not one.
    (re.compile(r"(?<![\w.~%-])/(?:work|root|home|Users)/"), "a home or work folder"),
    (re.compile(r"\b(?:ROOT|BASE_DIR)\.parent\b"), "a folder above the repository root"),
]
FROM_FILE = re.compile(
    r"Path\(\s*__file__\s*\)(?:\.(?:resolve|absolute)\(\))*"
    r"(?P<chain>(?:\.parents\[\d+\]|\.parent\b)+)")
DIRNAMES = re.compile(r"(?P<chain>(?:os\.path\.dirname\(\s*)+)"
                      r"(?:os\.path\.(?:abspath|realpath)\(\s*)?__file__")
MARKDOWN_LINK = re.compile(r"\]\((?P<target>[^)\s#]+)")


def levels_up(chain: str) -> int:
    """How many folders ``.parent``/``.parents[n]``/``dirname`` climb from the file."""
    return (sum(int(n) + 1 for n in re.findall(r"\.parents\[(\d+)\]", chain))
            + len(re.findall(r"\.parent\b", chain)) + chain.count("dirname("))


def offences(relative: str, text: str) -> list[str]:
    """What in ``text``, the content of the project file ``relative``, names a path
    outside the repository: one line each, ``file:line: what``."""
    depth = len(PurePosixPath(relative).parts)  # levels from the file up to the root
    found = []

    def add(at: int, what: str, match: str) -> None:
        found.append(f"{relative}:{text.count(chr(10), 0, at) + 1}: {what}: {match!r}")

    # Paths in the pages' files (CSS, source maps) are URLs relative to the file itself.
    literals = LITERALS[1:] if relative.startswith("static/") else LITERALS
    for pattern, what in literals:
        for match in pattern.finditer(text):
            add(match.start(), what, match.group())
    for pattern in (FROM_FILE, DIRNAMES):
        for match in pattern.finditer(text):
            if levels_up(match["chain"]) > depth:
                add(match.start(), f"climbs {levels_up(match['chain'])} folders from a file "
                    f"{depth - 1} below the root", match.group())
    if relative.endswith(".md"):
        folder = PurePosixPath(relative).parent
        for match in MARKDOWN_LINK.finditer(text):
            target = match["target"]
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("/"):
                continue  # a URL, or a site path: not a file of this checkout
            climbed = 0
            for part in (folder / target).parts:
                climbed += -1 if part == ".." else (part != ".")
                if climbed < 0:
                    add(match.start(), "a link above the repository root", target)
                    break
    return sorted(found, key=lambda line: int(line.split(":")[1]))


def project_files(root: Path = ROOT, git: str = "git") -> list[str]:
    """The tracked files, or every file but the skipped folders when git cannot say."""
    try:
        listed = subprocess.run([git, "-C", str(root), "ls-files", "-z"], check=True,
                                capture_output=True, timeout=60).stdout.decode()
        return [name for name in listed.split("\0") if name and (root / name).is_file()]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for folder, subfolders, names in os.walk(root):
            here = Path(folder).relative_to(root)
            subfolders[:] = [name for name in subfolders if name not in SKIPPED
                             and (here / name).as_posix() not in SKIPPED_PATHS]
            files += [(here / name).as_posix() for name in names]
        return sorted(files)


def read_text(path: Path) -> str | None:
    data = path.read_bytes()
    return None if b"\0" in data[:8192] else data.decode("utf-8", errors="replace")


def scan(root: Path = ROOT, files: list[str] | None = None) -> dict[str, list[str]]:
    """Every project file with what it names outside the repository."""
    found = {}
    for name in files if files is not None else project_files(root):
        text = read_text(root / name)
        if text is not None and (offending := offences(name, text)):
            found[name] = offending
    return found


def test_no_project_file_names_a_path_outside_the_repository():
    found = scan()
    stale = [name for name in ALLOWED if name not in found]
    assert not stale, f"allowed but no longer needed: {stale}"
    lines = [line for name, offending in found.items() if name not in ALLOWED
             for line in offending]
    assert not lines, "\n".join(lines)


def test_the_scan_covers_the_project_files():
    files = set(project_files())
    assert {"manage.py", "README.md", "Makefile", "docs/quality.md", "tests/conftest.py",
            "tests/data/README.md"} <= files
    assert not any(name.startswith((".venv/", "var/", ".git/")) for name in files)


# --- the scanner on made-up files: what it must catch and what it must let through ------

# Each sample is assembled from pieces so that this file itself holds none of them.
OUTSIDE = [
    ("tests/gisdata/test_x.py", 'DATA = ROOT' + '.parent / "sibling" / "data"'),
    ("tests/gisdata/test_x.py", 'DATA = "..' + '/sibling/data/cambridge"'),
    ("docs/x.md", "Read `.." + "/sibling/DESIGN.md` section 7."),
    ("bench/b.py", 'OUT = "/' + 'work/main/var/out.json"'),
    ("platform/run.sh", 'cd /' + 'root/plaza && make run'),
    ("README.md", "Clone it into /" + "home/alice/plaza."),
    ("tests/x/test_y.py", "DATA = Path(__file__).resolve()" + ".parents[3] / 'data'"),
    ("tests/x/test_y.py", "DATA = Path(__file__).resolve()" + ".parents[2].parent / 'd'"),
    ("tests/test_y.py", "DATA = Path(__file__)" + ".parent.parent.parent / 'd'"),
    ("bench/b.py", "HERE = os.path.dirname(os.path.dirname(" + "os.path.dirname(__file__)))"),
    ("docs/x.md", "See [the handbook](../.." + "/sibling/DESIGN.md)."),
    ("docs/x.md", "See [the handbook](../" + "../DESIGN.md)."),
]
INSIDE = [
    ("tests/x/test_y.py", "ROOT = Path(__file__).resolve()" + ".parents[2]"),
    ("tests/test_y.py", "ROOT = Path(__file__).resolve().parent.parent"),
    ("config/env.py", "BASE_DIR = Path(__file__).resolve().parent.parent"),
    ("tests/e2e/test_z.py", 'CHROMIUM = "/usr/bin/chromium"'),
    ("platform/services.py", 'BIN = "/usr/lib/postgresql/15/bin/"; TMP = "/var/tmp/plaza"'),
    ("tests/gisdata/test_z.py", 'members = {"../evil.shp": b"", "/etc/passwd": b""}'),
    ("docs/x.md", "Read /proc/meminfo and /dev/null; [bench](../bench/README.md)."),
    ("docs/x.md", "[Leaflet](https://example.org/home/leaflet/) and [top](#top)."),
    ("tests/data/README.md", "Made with `python tests/data/make_samples.py FOLDER`."),
]


@pytest.mark.parametrize(("relative", "text"), OUTSIDE)
def test_the_scanner_catches_a_path_outside_the_repository(relative, text):
    found = offences(relative, text)
    assert len(found) >= 1 and found[0].startswith(f"{relative}:1: "), found


@pytest.mark.parametrize(("relative", "text"), INSIDE)
def test_the_scanner_lets_system_paths_and_paths_inside_pass(relative, text):
    assert offences(relative, text) == []


def test_a_file_with_an_outside_path_fails_the_scan_and_says_where(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text(
        "import x\n\nDATA = x.ROOT" + ".parent / 'sibling'\n")
    (tmp_path / "tests" / "test_b.py").write_text("ROOT = Path(__file__).parent.parent\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\0\0/" + b"home/alice/")
    found = scan(tmp_path, ["tests/test_a.py", "tests/test_b.py", "image.png"])
    assert list(found) == ["tests/test_a.py"]
    assert found["tests/test_a.py"][0].startswith("tests/test_a.py:3: a folder above")


def test_without_git_the_files_are_found_by_walking_the_tree(tmp_path):
    for name in ["manage.py", "docs/a.md", ".venv/lib/x.py", "var/db/pg.conf",
                 "static/vendor/leaflet.js", "static/js/map.js", "node_modules/a/b.js",
                 "tests/__pycache__/t.pyc"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert project_files(tmp_path) == ["docs/a.md", "manage.py", "static/js/map.js"]
    walked = project_files(ROOT, git=str(tmp_path / "no-git-here"))
    assert {"manage.py", "tests/test_stands_alone.py", "docs/quality.md"} <= set(walked)
    assert not any(name.startswith((".venv/", "var/", ".git/", "static/vendor/"))
                   for name in walked)
