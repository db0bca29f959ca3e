"""Run every benchmark in bench/ (`bench_*.py`), one process each: `make bench`.

    .venv/bin/python -m bench.run [NAME …]

With names (`bbox_proposals`), only those run. Each benchmark ends with one line
`NAME: ours X UNIT, reference Y UNIT, ratio R`; they are repeated together at the end.
Exits non-zero when a benchmark failed (a correctness check, or a crash): never because
of a timing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.common import out

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent


def main(argv: list[str]) -> int:
    found = sorted(p.stem.removeprefix("bench_") for p in BENCH_DIR.glob("bench_*.py"))
    unknown = sorted(set(argv) - set(found))
    if unknown:
        sys.stderr.write(f"bench: no such benchmark: {', '.join(unknown)} "
                         f"(there are: {', '.join(found)})\n")
        return 2
    summaries, failed = [], []
    env = dict(os.environ)
    for name in [n for n in found if not argv or n in argv]:
        out(f"== {name}")
        proc = subprocess.Popen([sys.executable, "-m", f"bench.bench_{name}"], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True, env=env)
        # BENCH_FRESH drops the database once, in the first benchmark; the others seed
        # their data into the new one instead of dropping it again.
        env.pop("BENCH_FRESH", None)
        last = ""
        for line in proc.stdout:
            out(line.rstrip("\n"))
            if line.startswith(f"{name}: "):
                last = line.rstrip("\n")
        if proc.wait() != 0 or not last:
            failed.append(name)
        else:
            summaries.append(last)
    if len(summaries) + len(failed) > 1:
        out("== summary")
        for line in summaries:
            out(line)
    for name in failed:
        sys.stderr.write(f"bench: {name} failed\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
