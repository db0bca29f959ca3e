"""docs/quality.md, Plaza's catalogue of bad input, faults and load, stays complete and true.

The page is read in the format its first lines describe: `## ` groups, `> [<id>] ` cases,
and under each case the tests (`tests/...py::test_...`), benchmarks (`- bench:` items,
each with a test that runs the benchmark's checks) or a `- Not tested: <reason>` line.
The checks below fail when a group or a required subject is gone, when a case names
nothing, when a named test or benchmark no longer exists, when a named test does not
carry `@pytest.mark.quality("<its case's id>")` or a test carries one its case does not
name, or when a benchmark's test does not use it (each test's source read with `ast`);
each is shown failing on a broken catalogue too. Nothing outside the repository is read.
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
CASE_HEAD = re.compile(r"^\[(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)\] (?P<text>\S.*)$")
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
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
    id: str = ""
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
            head = CASE_HEAD.match(line[2:].strip())
            if not head:
                problems.append(f"line {number}: a case starts with its id, '> [<id>] <case>'")
            current = Case(groups[-1], head["text"] if head else line[2:].strip(),
                           head["id"] if head else "")
            cases.append(current)
        elif line.startswith(">"):
            problems.append(f"line {number}: a case is one line starting with '> '")
        elif current is not None:
            current.body += line + "\n"
    for case in cases:
        case.refs = TEST_REF.findall(case.body)
    ids = [case.id for case in cases if case.id]
    problems += [f"the id {i!r} is given to two cases" for i in dict.fromkeys(ids)
                 if ids.count(i) > 1]
    return groups, cases, problems


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree)
            if isinstance(node, FUNCTIONS) and node.name.startswith("test_")}


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
    """Each case names a test (a benchmark comes with one), or says why no test can."""
    _, cases, _ = parse(text)
    problems = []
    for case in cases:
        reasons = [m["reason"] for m in NOT_TESTED.finditer(case.body)]
        if any(len(reason.split()) < 3 for reason in reasons):
            problems.append(f"{case.group}: {case.text!r} says 'Not tested' without a reason")
        elif not (case.refs or reasons):
            problems.append(f"{case.group}: {case.text!r} names no test and no reason")
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


def quality_ids(decorator: ast.expr) -> list[str] | None:
    """The case ids of a `pytest.mark.quality("<id>", ...)` decorator; None for another
    decorator."""
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "quality"
            and ast.unparse(decorator.func.value).endswith("mark")):
        return None
    return [arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            else ast.unparse(arg) for arg in decorator.args]


def markers_of(path: Path) -> tuple[dict[str, set[str]], int]:
    """For each test function of a file, the case ids its quality markers carry; and how
    many quality markers the file has that are not on a test function (a `pytestmark`,
    a fixture, a helper: they would mark what no case names)."""
    tree = ast.parse(path.read_text())
    marked: dict[str, set[str]] = {}
    on_tests = 0
    for node in ast.walk(tree):
        if isinstance(node, FUNCTIONS):
            for decorator in node.decorator_list:
                ids = quality_ids(decorator)
                if ids is not None and node.name.startswith("test_"):
                    marked.setdefault(node.name, set()).update(ids)
                    on_tests += 1
    everywhere = sum(1 for node in ast.walk(tree) if quality_ids(node) is not None)
    return marked, everywhere - on_tests


def marker_problems(text: str, root: Path = ROOT) -> list[str]:
    """Both ways: every test a case names carries `@pytest.mark.quality("<the case's id>")`,
    and every test carrying a quality marker is named by the case of each id it carries."""
    _, cases, _ = parse(text)
    named = {(path, name, case.id) for case in cases for path, name in case.refs}
    ids = {case.id for case in cases}
    problems = []
    carried: set[tuple[str, str, str]] = set()
    for file in sorted((root / "tests").rglob("*.py")):
        path = file.relative_to(root).as_posix()
        marked, stray = markers_of(file)
        if stray:
            problems.append(f"{path}: {stray} quality marker(s) not on a test function")
        carried |= {(path, name, i) for name, marks in marked.items() for i in marks}
    for path, name, i in sorted(named - carried):
        if (root / path).exists():
            problems.append(f"{path}::{name} is named by [{i}] but does not carry "
                            f'@pytest.mark.quality("{i}")')
    for path, name, i in sorted(carried - named):
        problems.append(f"{path}::{name} carries the quality marker [{i}], "
                        + ("but that case does not name it" if i in ids
                           else "but no case has that id"))
    return problems


def bench_module_names(tree: ast.Module, bench: str) -> set[str]:
    """The names a test module binds to the benchmark `bench/<name>.py` or to what it
    imports from it."""
    module = bench.removesuffix(".py").replace("/", ".")
    package, _, leaf = module.rpartition(".")
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == package:
            names |= {a.asname or a.name for a in node.names if a.name == leaf}
        elif isinstance(node, ast.ImportFrom) and node.module == module:
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.asname or "bench" for a in node.names if a.name == module}
    return names


def bench_problems(text: str, root: Path = ROOT) -> list[str]:
    """A benchmark is named only in the form `- bench: `bench/<name>.py` ...`, with a test
    of the same item that runs the benchmark's own correctness checks at test size (the
    test's function uses the benchmark's module), so `make test` runs those checks."""
    _, cases, _ = parse(text)
    problems = []
    for case in cases:
        items = re.split(r"\n(?=- )", "\n" + case.body)
        for item in items:
            benches = BENCH_REF.findall(item)
            if not benches:
                continue
            if not item.startswith("- bench: "):
                problems.append(f"[{case.id}] names {benches[0]} outside a '- bench: ' item")
                continue
            tests = TEST_REF.findall(item)
            if not tests:
                problems.append(f"[{case.id}] names {benches[0]} with no test that runs its "
                                "checks at test size")
                continue
            for bench in benches:
                if not any(runs_bench(root, path, name, bench) for path, name in tests):
                    problems.append(f"[{case.id}]: no test of the item runs {bench}'s checks "
                                    f"(none of {[f'{p}::{n}' for p, n in tests]} uses it)")
    return problems


def runs_bench(root: Path, path: str, name: str, bench: str) -> bool:
    file = root / path
    if not file.exists():
        return False
    tree = ast.parse(file.read_text())
    names = bench_module_names(tree, bench)
    return any(isinstance(node, FUNCTIONS) and node.name == name
               and any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))
               for node in ast.walk(tree))


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


def test_every_named_test_carries_its_cases_marker_and_every_marker_is_named(page):
    assert marker_problems(page) == []


def test_every_benchmark_is_named_with_a_test_that_runs_its_checks(page):
    assert bench_problems(page) == []


def test_the_page_describes_its_format_before_its_first_group(page):
    head = page.split("\n## ", 1)[0]
    for marker in ("`## <group>`", "`> [<id>] <case>`", "tests/<path>.py::<test_name>",
                   "- bench: `bench/<name>.py`", "- Not tested: <the reason>",
                   '@pytest.mark.quality("<id>")'):
        assert marker in head, marker


# --- the same checks on broken catalogues: each must fail -------------------------------

GOOD_CASE = ("> [mass-assignment] Mass assignment: extra fields are ignored.\n\n"
             "- `tests/test_made_up.py::test_mass_assignment`\n")
MADE_UP = "tests/test_made_up.py"
BENCH_ITEM = ("- bench: `bench/bench_made_up.py`, its checks at test size in "
              "`tests/test_made_up_bench.py::test_the_bench_at_test_size`\n")


def slug(subject: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", subject.lower()).strip("-")


def catalogue_with(group_text: dict[str, str]) -> str:
    """A catalogue with every group, each holding one case per required subject (its id
    the subject's, its test `tests/test_made_up.py::test_<id>`), with ``group_text``
    replacing whole groups' bodies; the large uploads' case names a benchmark too."""
    parts, ids = ["# Catalogue\n"], []
    for group, subjects in REQUIRED.items():
        body = ""
        for subject in subjects:
            ids.append(slug(subject) + ("-again" if slug(subject) in ids else ""))
            body += (f"> [{ids[-1]}] Plaza survives {subject}.\n\n"
                     f"- `{MADE_UP}::test_{ids[-1].replace('-', '_')}`\n"
                     + (BENCH_ITEM if subject == "large uploads" else "") + "\n")
        parts.append(f"## {group}\n\n{group_text.get(group) or body}")
    return "\n".join(parts)


def made_up_root(root: Path, text: str, *, skip: str = "", extra: str = "") -> Path:
    """A repository holding the tests a catalogue names, each marked with the ids of the
    cases naming it (but `skip`), `extra` added to the file; and the benchmark with a test
    that runs it."""
    marks: dict[tuple[str, str], list[str]] = {}
    for case in parse(text)[1]:
        for ref in case.refs:
            marks.setdefault(ref, []).append(case.id)
    files: dict[str, str] = {}
    for (path, name), ids in marks.items():
        decorator = "" if name == skip else (
            f"@pytest.mark.quality({', '.join(repr(i) for i in ids)})\n")
        uses = "    bench_made_up.check()\n" if path.endswith("_bench.py") else "    pass\n"
        files[path] = files.get(path, "import pytest\nfrom bench import bench_made_up\n\n") + (
            f"\n{decorator}def {name}():\n{uses}")
    files[MADE_UP] = files.get(MADE_UP, "import pytest\n") + extra
    for path, source in {**files, "bench/bench_made_up.py": "def check():\n    pass\n"}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(source)
    return root


def test_a_complete_made_up_catalogue_passes_every_check(tmp_path):
    text = catalogue_with({})
    root = made_up_root(tmp_path, text)
    assert group_problems(text) == subject_problems(text) == evidence_problems(text) == []
    assert existence_problems(text, root) == marker_problems(text, root) == []
    assert bench_problems(text, root) == []


def test_a_missing_or_renamed_group_is_caught():
    text = catalogue_with({}).replace("## Voting integrity", "## Votes")
    assert any("the groups are" in p for p in group_problems(text))
    dropped = catalogue_with({}).replace("## Permissions\n", "")
    assert any("the groups are" in p for p in group_problems(dropped))


def test_a_case_outside_a_group_or_over_two_lines_is_caught():
    text = "> [stray] Stray case.\n\n" + catalogue_with({})
    assert any("before the first group" in p for p in group_problems(text))
    wrapped = catalogue_with({}).replace("> [bbox] Plaza survives bbox.",
                                         "> [bbox] Plaza survives\n>bbox.")
    assert any("one line" in p for p in group_problems(wrapped))


def test_a_case_without_an_id_or_with_another_cases_id_is_caught():
    no_id = catalogue_with({}).replace("> [bbox] Plaza", "> Plaza")
    assert any("starts with its id" in p for p in group_problems(no_id))
    bad_id = catalogue_with({}).replace("> [bbox] Plaza", "> [Bbox box] Plaza")
    assert any("starts with its id" in p for p in group_problems(bad_id))
    twice = catalogue_with({}).replace("> [bbox] Plaza", "> [large-uploads] Plaza")
    assert "the id 'large-uploads' is given to two cases" in group_problems(twice)


def test_a_dropped_subject_or_a_repeated_case_is_caught():
    cut = catalogue_with({"Permissions": (
        "> [csrf] Plaza survives CSRF.\n\n- `tests/test_made_up.py::test_csrf`\n")})
    problems = subject_problems(cut)
    assert "Permissions: no case about 'X-Forwarded-For'" in problems
    assert not any(p.startswith("Voting integrity") for p in problems)
    twice = catalogue_with({}).replace("Plaza survives bbox.", "Plaza survives large uploads.")
    assert any("written twice" in p for p in subject_problems(twice))


def test_a_case_with_no_test_or_an_empty_reason_is_caught():
    bare = catalogue_with({"API and form input": "> [m] Mass assignment: nothing named.\n\n"})
    assert any("names no test" in p for p in evidence_problems(bare))
    bench_only = catalogue_with({"API and form input": (
        "> [m] Mass assignment.\n\n- `bench/bench_made_up.py`\n")})
    assert any("names no test" in p for p in evidence_problems(bench_only))
    empty = catalogue_with({"API and form input": "> [m] Mass assignment.\n\n- Not tested: no\n"})
    assert any("without a reason" in p for p in evidence_problems(empty))
    reason = catalogue_with({"API and form input": (
        "> [m] Mass assignment.\n\n- Not tested: Plaza has no such form at all.\n")})
    assert evidence_problems(reason) == []


def test_a_named_test_or_benchmark_that_does_not_exist_is_caught(tmp_path):
    root = made_up_root(tmp_path, catalogue_with({}))
    text = catalogue_with({"API and form input": GOOD_CASE + (
        "- `tests/test_made_up.py::test_that_was_renamed_long_ago`\n"
        "- `tests/no_such_folder/test_gone.py::test_anything`\n"
        "- `bench/bench_gone.py`\n")})
    assert existence_problems(text, root) == [f"names what does not exist: {name}" for name in (
        "tests/test_made_up.py::test_that_was_renamed_long_ago",
        "tests/no_such_folder/test_gone.py::test_anything",
        "bench/bench_gone.py")]


def test_a_named_test_without_its_cases_marker_is_caught(tmp_path):
    text = catalogue_with({})
    root = made_up_root(tmp_path, text, skip="test_bbox")
    assert marker_problems(text, root) == [
        f'{MADE_UP}::test_bbox is named by [bbox] but does not carry '
        '@pytest.mark.quality("bbox")']
    # Marked, but for another case than the one naming it: both directions fail.
    moved = text.replace(f"`{MADE_UP}::test_bbox`", f"`{MADE_UP}::test_csv`")
    assert marker_problems(moved, made_up_root(tmp_path, text)) == [
        f'{MADE_UP}::test_csv is named by [bbox] but does not carry @pytest.mark.quality("bbox")',
        f"{MADE_UP}::test_bbox carries the quality marker [bbox], but that case does not name it"]


def test_a_marker_no_case_names_or_off_a_test_is_caught(tmp_path):
    text = catalogue_with({})
    root = made_up_root(tmp_path, text, extra=(
        '\n@pytest.mark.quality("bbox")\ndef test_unrelated():\n    pass\n'
        '\n@pytest.mark.quality("no-such-case")\ndef test_other():\n    pass\n'
        '\npytestmark = pytest.mark.quality("csv")\n'))
    assert marker_problems(text, root) == [
        f"{MADE_UP}: 1 quality marker(s) not on a test function",
        f"{MADE_UP}::test_other carries the quality marker [no-such-case], but no case has "
        "that id",
        f"{MADE_UP}::test_unrelated carries the quality marker [bbox], but that case does "
        "not name it"]


def test_a_benchmark_without_a_test_running_its_checks_is_caught(tmp_path):
    text = catalogue_with({})
    root = made_up_root(tmp_path, text)
    plain = text.replace("- bench: `bench/bench_made_up.py`", "- `bench/bench_made_up.py`")
    assert bench_problems(plain, root) == [
        "[large-uploads] names bench/bench_made_up.py outside a '- bench: ' item"]
    untested = text.replace(BENCH_ITEM, "- bench: `bench/bench_made_up.py` (measured)\n")
    assert bench_problems(untested, root) == [
        "[large-uploads] names bench/bench_made_up.py with no test that runs its checks at "
        "test size"]
    # The test named with it does not use the benchmark.
    elsewhere = text.replace("test_made_up_bench.py::test_the_bench_at_test_size",
                             "test_made_up.py::test_large_uploads")
    assert bench_problems(elsewhere, root) == [
        "[large-uploads]: no test of the item runs bench/bench_made_up.py's checks (none of "
        "['tests/test_made_up.py::test_large_uploads'] uses it)"]
