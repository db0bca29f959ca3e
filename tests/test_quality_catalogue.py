"""docs/quality.md names, for every case of ../shared/QUALITY.md, the tests that show Plaza
survives it: this keeps it complete and true as both files and the suite change."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUALITY = ROOT.parent / "shared" / "QUALITY.md"
CATALOGUE = ROOT / "docs" / "quality.md"
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
BENCH_REF = re.compile(r"`(bench/\w+\.py)`")


def cases(text: str) -> dict[str, list[str]]:
    """QUALITY.md's cases by section: each bullet, its wrapped lines joined."""
    found: dict[str, list[str]] = {}
    section = None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            found[section] = []
        elif line.startswith("- ") and section:
            found[section].append(line[2:].strip())
        elif line.startswith("  ") and line.strip() and section and found[section]:
            found[section][-1] += " " + line.strip()
    return found


def entries(text: str) -> dict[str, list[tuple[str, str]]]:
    """docs/quality.md by section: each quoted case and what follows it."""
    found: dict[str, list[tuple[str, str]]] = {}
    section = None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            found[section] = []
        elif line.startswith("> ") and section:
            found[section].append((line[2:].strip(), ""))
        elif section and found.get(section):
            quote, body = found[section][-1]
            found[section][-1] = (quote, body + line + "\n")
    return found


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


@pytest.fixture(scope="module")
def catalogue():
    if not QUALITY.exists():
        pytest.fail(f"{QUALITY} is missing: the project is checked out beside ../shared")
    return cases(QUALITY.read_text()), entries(CATALOGUE.read_text())


def test_every_case_is_quoted_in_its_section_in_order(catalogue):
    quality, ours = catalogue
    assert list(ours) == list(quality), "the sections differ from QUALITY.md's"
    for section, wanted in quality.items():
        assert [quote for quote, _ in ours[section]] == wanted, section


def test_every_case_names_a_test_or_a_benchmark(catalogue):
    _, ours = catalogue
    for section, items in ours.items():
        for quote, body in items:
            assert TEST_REF.search(body) or BENCH_REF.search(body), (section, quote)


def test_every_named_test_and_benchmark_exists(catalogue):
    _, ours = catalogue
    text = "".join(body for items in ours.values() for _, body in items)
    cache: dict[str, set[str]] = {}
    missing = []
    for path, name in TEST_REF.findall(text):
        if path not in cache:
            cache[path] = defined_tests(ROOT / path) if (ROOT / path).exists() else set()
        if name not in cache[path]:
            missing.append(f"{path}::{name}")
    missing += [path for path in BENCH_REF.findall(text) if not (ROOT / path).exists()]
    assert not missing, f"docs/quality.md names what does not exist: {missing}"
