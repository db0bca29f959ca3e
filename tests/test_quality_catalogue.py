"""docs/quality.md, Plaza's catalogue of bad input, faults and load, stays complete and true.

The page is read in the format its first lines describe: `## ` groups, `> ` cases, and
under each case the tests (`tests/...py::test_...`), benchmarks (`bench/...py`) or a
`- Not tested: <reason>` line. The checks below fail when a group or a required subject is
gone, when a case names nothing, or when a named test or benchmark no longer exists; each
is shown failing on a broken catalogue too. Nothing outside the repository is read.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "docs" / "quality.md"
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
BENCH_REF = re.compile(r"`(bench/\w+\.py)`")
NOT_TESTED = re.compile(r"^- Not tested: (?P<reason>.+)", re.MULTILINE)

# The groups, in their order, and for each the subjects its cases must keep covering: a
# case may be reworded or added freely, but a subject that disappears from every case of
# its group is a case that was dropped. Matched case-insensitively in the case lines.
REQUIRED = {
    "API and form input": ["mass assignment", "content type", "NUL bytes", "XSS",
                           "ordering", "formula"],
    "Geometry input": ["unclosed ring", "self-intersecting", "out of range",
                       "huge geometries", "CRS", "empty geometry"],
    "Uploads and URL imports": ["zip slip", "zip bomb", "shapefile", "extension", "DOCTYPE",
                                "CSV", "from a URL"],
    "Voting integrity": ["50 times", "weight sent by the client", "voting phase",
                         "withdraw", "erases their account"],
    "Permissions": ["another user", "every URL pattern", "CSRF", "X-Forwarded-For",
                    "private reports"],
    "Workers, broker, database": ["Redis down", "worker killed", "delivered twice",
                                  "commits", "connection killed", "no one foresaw",
                                  "stays `running`", "--wait"],
    "Load (loopback only, bounded in count and time)": ["hundreds of voters", "bbox",
                                                        "large uploads"],
    "Broken real-world files": ["four points", "Latin-1", "encoding typed", "64 bits",
                                "EPSG code", "outside longitude", "line breaks",
                                "without naming an EPSG code"],
    "Files that reach out": ["crs", "GeoPackage", "KML", "GDAL registers"],
}


@dataclass
class Case:
    group: str
    text: str
    body: str = ""
    refs: list[tuple[str, str]] = field(default_factory=list)


def parse(text: str) -> tuple[list[str], list[Case], list[str]]:
    """The groups in order, the cases, and what does not fit the format."""
    groups: list[str] = []
    cases: list[Case] = []
    problems: list[str] = []
    current: Case | None = None  # what the lines belong to; a group's intro, to no case
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("## "):
            groups.append(line[3:].strip())
            current = None
        elif line.startswith("> "):
            if not groups:
                problems.append(f"line {number}: a case before the first group")
                continue
            current = Case(groups[-1], line[2:].strip())
            cases.append(current)
        elif line.startswith(">"):
            problems.append(f"line {number}: a case is one line starting with '> '")
        elif current is not None:
            current.body += line + "\n"
    for case in cases:
        case.refs = TEST_REF.findall(case.body)
    return groups, cases, problems


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def group_problems(text: str) -> list[str]:
    groups, _, problems = parse(text)
    if groups != list(REQUIRED):
        problems.append(f"the groups are {groups}, not {list(REQUIRED)}")
    if len(set(groups)) != len(groups):
        problems.append("a group heading appears twice")
    return problems


def subject_problems(text: str) -> list[str]:
    _, cases, _ = parse(text)
    problems = []
    for group, subjects in REQUIRED.items():
        lines = [case.text.lower() for case in cases if case.group == group]
        problems += [f"{group}: no case about {subject!r}" for subject in subjects
                     if not any(subject.lower() in line for line in lines)]
    texts = [case.text for case in cases]
    problems += [f"the case {t!r} is written twice" for t in set(texts) if texts.count(t) > 1]
    return problems


def evidence_problems(text: str) -> list[str]:
    """Each case names a test or a benchmark, or says why no test can show it."""
    _, cases, _ = parse(text)
    problems = []
    for case in cases:
        reasons = [m["reason"] for m in NOT_TESTED.finditer(case.body)]
        if any(len(reason.split()) < 3 for reason in reasons):
            problems.append(f"{case.group}: {case.text!r} says 'Not tested' without a reason")
        elif not (case.refs or BENCH_REF.search(case.body) or reasons):
            problems.append(f"{case.group}: {case.text!r} names no test, no benchmark, "
                            "and no reason")
    return problems


def existence_problems(text: str, root: Path = ROOT) -> list[str]:
    """Every named test is a test function of its file; every benchmark is a file."""
    _, cases, _ = parse(text)
    cache: dict[str, set[str]] = {}
    missing = []
    for case in cases:
        for path, name in case.refs:
            if path not in cache:
                cache[path] = defined_tests(root / path) if (root / path).exists() else set()
            if name not in cache[path]:
                missing.append(f"{path}::{name}")
        missing += [path for path in BENCH_REF.findall(case.body)
                    if not (root / path).exists()]
    return [f"names what does not exist: {name}" for name in dict.fromkeys(missing)]


@pytest.fixture(scope="module")
def page() -> str:
    return CATALOGUE.read_text()


def test_every_group_is_there_in_order_and_the_page_keeps_its_format(page):
    assert group_problems(page) == []


def test_every_required_subject_has_a_case_in_its_group(page):
    assert subject_problems(page) == []


def test_every_case_names_a_test_a_benchmark_or_a_reason(page):
    assert evidence_problems(page) == []


def test_every_named_test_and_benchmark_exists(page):
    assert existence_problems(page) == []


def test_the_page_describes_its_format_before_its_first_group(page):
    head = page.split("\n## ", 1)[0]
    for marker in ("`## <group>`", "`> <case>`", "tests/<path>.py::<test_name>",
                   "bench/<name>.py", "- Not tested: <the reason>"):
        assert marker in head, marker


# --- the same checks on broken catalogues: each must fail -------------------------------

GOOD_CASE = ("> Mass assignment: extra fields are ignored.\n\n"
             "- `tests/test_quality_catalogue.py::test_every_named_test_and_benchmark_exists`\n")


def catalogue_with(group_text: dict[str, str]) -> str:
    """A catalogue with every group, each holding one case per required subject, with
    ``group_text`` replacing whole groups' bodies."""
    parts = ["# Catalogue\n"]
    for group, subjects in REQUIRED.items():
        body = group_text.get(group) or "".join(
            f"> Plaza survives {subject}.\n\n- `bench/bench_load.py`\n\n" for subject in subjects)
        parts.append(f"## {group}\n\n{body}")
    return "\n".join(parts)


def test_a_complete_made_up_catalogue_passes_every_check():
    text = catalogue_with({})
    assert group_problems(text) == subject_problems(text) == evidence_problems(text) == []
    assert existence_problems(text) == []


def test_a_missing_or_renamed_group_is_caught():
    text = catalogue_with({}).replace("## Voting integrity", "## Votes")
    assert any("the groups are" in p for p in group_problems(text))
    dropped = catalogue_with({}).replace("## Permissions\n", "")
    assert any("the groups are" in p for p in group_problems(dropped))


def test_a_case_outside_a_group_or_over_two_lines_is_caught():
    text = "> Stray case.\n\n" + catalogue_with({})
    assert any("before the first group" in p for p in group_problems(text))
    wrapped = catalogue_with({}).replace("> Plaza survives bbox.", "> Plaza survives\n>bbox.")
    assert any("one line" in p for p in group_problems(wrapped))


def test_a_dropped_subject_or_a_repeated_case_is_caught():
    cut = catalogue_with({"Permissions": "> Plaza survives CSRF.\n\n- `bench/bench_load.py`\n"})
    problems = subject_problems(cut)
    assert "Permissions: no case about 'X-Forwarded-For'" in problems
    assert not any(p.startswith("Voting integrity") for p in problems)
    twice = catalogue_with({}).replace("> Plaza survives bbox.", "> Plaza survives large uploads.")
    assert any("written twice" in p for p in subject_problems(twice))


def test_a_case_with_no_test_or_an_empty_reason_is_caught():
    bare = catalogue_with({"API and form input": "> Mass assignment: nothing named.\n\n"})
    assert any("names no test" in p for p in evidence_problems(bare))
    empty = catalogue_with({"API and form input": "> Mass assignment.\n\n- Not tested: no\n"})
    assert any("without a reason" in p for p in evidence_problems(empty))
    reason = catalogue_with({"API and form input": (
        "> Mass assignment.\n\n- Not tested: Plaza has no such form at all.\n")})
    assert evidence_problems(reason) == []


def test_a_named_test_or_benchmark_that_does_not_exist_is_caught():
    text = catalogue_with({"API and form input": GOOD_CASE + (
        "- `tests/test_quality_catalogue.py::test_that_was_renamed_long_ago`\n"
        "- `tests/no_such_folder/test_gone.py::test_anything`\n"
        "- `bench/bench_gone.py`\n")})
    assert existence_problems(text) == [f"names what does not exist: {name}" for name in (
        "tests/test_quality_catalogue.py::test_that_was_renamed_long_ago",
        "tests/no_such_folder/test_gone.py::test_anything",
        "bench/bench_gone.py")]
