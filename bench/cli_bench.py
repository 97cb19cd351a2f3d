"""Start-up speed of the command line: what a user waits for on every invocation.

Usage::

    .venv/bin/python bench/cli_bench.py            # best of 7
    .venv/bin/python bench/cli_bench.py --runs 15

Times the real CLI in a subprocess (the ``specfoundry`` script next to this Python, as a user
runs it): wall clock and CPU time (user + system, which a busy machine inflates less), each the
best of ``--runs``:

* ``specfoundry --version`` (target: under 150 ms): the cost of importing the CLI itself;
* ``specfoundry validate examples/minimal``: load, schema check, semantic checks, model;
* a no-op ``specfoundry generate examples/analytics -o <tmp>`` (generated once first, then timed
  while up to date; target: under 0.5 s).

Also prints ``python -X importtime`` 's heaviest imports of ``--version``, so a regression points
at the module that caused it.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cli() -> list[str]:
    script = Path(sys.executable).parent / "specfoundry"
    return [str(script)] if script.exists() else [sys.executable, "-m", "specfoundry"]


def best_of(cmd: list[str], runs: int) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system of the child) over ``runs`` runs.

    On a shared machine the wall time waits for other processes; the CPU time does not.
    """
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return min(walls), min(cpus)


def heaviest_imports(cmd: list[str], top: int) -> list[tuple[int, str]]:
    """(cumulative microseconds, module) of the slowest imports of ``cmd``, two levels deep."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "specfoundry", *cmd],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split(":", 1)[1].split("|")
        # Nesting shows as indentation: " typer" is imported at top level, "   click" by it.
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        if cumulative.strip().isdigit() and depth <= 1:
            rows.append((int(cumulative), "  " * depth + name.strip()))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    base = cli()
    with tempfile.TemporaryDirectory(prefix="cli-bench-") as tmp:
        out = Path(tmp) / "insights"
        generate = [*base, "generate", "examples/analytics", "-o", str(out)]
        subprocess.run(generate, cwd=ROOT, capture_output=True, check=True)
        rows = [
            ("specfoundry --version", best_of([*base, "--version"], args.runs), "< 0.150 s"),
            (
                "specfoundry validate examples/minimal",
                best_of([*base, "validate", "examples/minimal"], args.runs),
                "",
            ),
            ("no-op generate examples/analytics", best_of(generate, args.runs), "< 0.500 s"),
        ]
        shutil.rmtree(out, ignore_errors=True)
    print(f"best of {args.runs} runs ({' '.join(base)}); target is for the wall clock")
    print(f"  {'':<40} {'wall':>9} {'cpu':>9}")
    for label, (wall, cpu), target in rows:
        print(f"  {label:<40} {wall:7.3f} s {cpu:7.3f} s  {target}")
    for args_ in (["--version"], ["validate", "examples/minimal"]):
        print(f"heaviest imports of `specfoundry {' '.join(args_)}` (cumulative, one run):")
        for micros, name in heaviest_imports(args_, 8):
            print(f"  {name:<40} {micros / 1e6:7.3f} s")


if __name__ == "__main__":
    main()
