"""Regeneration speed on a large synthetic spec, with openapi-python-client for scale.

Usage::

    .venv/bin/python bench/regen_bench.py                      # 200 entities
    .venv/bin/python bench/regen_bench.py --entities 50 --opc /path/to/openapi-python-client

Measures, in one run: a full ``specfoundry generate`` into an empty folder, a no-op
regeneration (target: under a third of the full one, zero files written), a regeneration after a
one-field edit, and, when ``openapi-python-client`` is found (``--opc`` or on PATH; install it in
its own virtualenv, its pins clash with ours), the time it takes to generate a client from the
same OpenAPI document. Each step runs the real CLI in a subprocess, as a user would.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compile_bench import synthetic_spec

SPECFOUNDRY = [sys.executable, "-m", "specfoundry"]


CPU: dict[str, float] = {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, str]:
    """Wall seconds and stdout of ``cmd``; its CPU seconds (with ruff's) go to ``CPU[...]``."""
    cpu = _children_cpu()
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    CPU[" ".join(cmd)] = _children_cpu() - cpu
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed, result.stdout.strip()


def cpu_of_last() -> float:
    return list(CPU.values())[-1]


def snapshot(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root)): p.stat().st_mtime_ns
        for p in root.rglob("*")
        if p.is_file() and ".specfoundry" not in p.parts
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=200)
    parser.add_argument("--opc", default=shutil.which("openapi-python-client"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="regen-bench-") as tmp:
        root = Path(tmp)
        spec_file = root / "spec.yaml"
        spec = synthetic_spec(args.entities)
        spec_file.write_text(yaml.safe_dump(spec, sort_keys=False))
        out = root / "service"

        full, summary = timed([*SPECFOUNDRY, "generate", str(spec_file), "-o", str(out)])
        full_cpu = cpu_of_last()
        files = sum(1 for p in out.rglob("*") if p.is_file() and ".specfoundry" not in p.parts)
        before = snapshot(out)
        noop, noop_summary = timed([*SPECFOUNDRY, "generate", str(spec_file), "-o", str(out)])
        noop_cpu = cpu_of_last()
        rewritten = sum(1 for path, mtime in snapshot(out).items() if before.get(path) != mtime)

        first = next(name for name in spec["entities"] if name != "tenant")
        spec["entities"][first]["fields"]["bench_note"] = {"type": "string", "max_length": 40}
        spec_file.write_text(yaml.safe_dump(spec, sort_keys=False))
        before = snapshot(out)
        edit, _ = timed([*SPECFOUNDRY, "generate", str(spec_file), "-o", str(out)])
        edit_cpu = cpu_of_last()
        after = snapshot(out)
        changed = sum(1 for path, mtime in after.items() if before.get(path) != mtime)

        rows = [
            ("full generation", full, full_cpu, f"{files} files"),
            ("no-op regeneration", noop, noop_cpu, f"{rewritten} files written"),
            ("one-field edit", edit, edit_cpu, f"{changed} files written or added"),
        ]
        if args.opc:
            contract = out / "openapi.yaml"
            client_dir = root / "client"
            opc, _ = timed(
                [args.opc, "generate", "--path", str(contract), "--output-path", str(client_dir)],
                cwd=root,
            )
            client_files = sum(1 for p in client_dir.rglob("*") if p.is_file())
            rows.append(
                ("openapi-python-client generate", opc, cpu_of_last(), f"{client_files} files")
            )

    print(f"synthetic spec: {args.entities} entities; Python {sys.version.split()[0]}")
    print("wall and CPU seconds (CPU: the process and its children, ruff included)")
    print(f"{'step':34} {'wall':>8} {'CPU':>8}  notes")
    for name, seconds, cpu, note in rows:
        print(f"{name:34} {seconds:8.2f} {cpu:8.2f}  {note}")
    ratio = noop / full
    verdict = "PASS" if ratio < 1 / 3 and rewritten == 0 else "FAIL"
    print(f"no-op / full = {ratio:.2f} (target < 0.33, zero files written): {verdict}")
    edit_ratio = edit_cpu / full_cpu
    verdict = "PASS" if edit_ratio < 1 / 3 else "FAIL"
    print(f"one-field edit / full (CPU) = {edit_ratio:.2f} (target < 0.33): {verdict}")
    print(f"(generate summary: {summary}; no-op: {noop_summary})", file=sys.stderr)
    if os.environ.get("CI"):
        return


if __name__ == "__main__":
    main()
