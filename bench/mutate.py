"""Mutation testing of the rule modules (`make mutate`), with mutmut 3.

For each rule module, in a fresh copy of the tracked files (mutmut writes its mutants beside
the code it copies):

1. every mutant is run against the module's own unit tests;
2. the survivors are run again against the wider test folder of the module's app (database
   tests included, so PostgreSQL and Redis are used as in `make test`).

Both scores go to `docs/mutation.md`, with the run time and each survivor that is a
documented equivalent mutant (`EQUIVALENTS` below: a mutant that changes nothing observable,
with its reason) counted as killed. A survivor that is not listed is a rule no test pins: the
report names it and the command exits 1.

    python -m bench.mutate                      # every module
    python -m bench.mutate sla/evaluation.py    # one

Workers run in mutmut's forkserver isolation: the fork mode reuses results that the stats
run left in `lru_cache`s and reports mutants as surviving that the tests would kill.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "mutation.md"


@dataclass(frozen=True)
class Module:
    path: str
    unit_tests: tuple[str, ...]
    wider_tests: tuple[str, ...]


MODULES = (
    Module(
        "sla/evaluation.py",
        ("tests/sla/test_evaluation.py", "tests/sla/test_evaluation_rules.py"),
        ("tests/sla",),
    ),
    Module(
        "kpis/compute.py",
        (
            "tests/kpis/test_compute.py",
            "tests/kpis/test_status_rules.py",
            "tests/kpis/test_aggregate_rules.py",
        ),
        ("tests/kpis",),
    ),
    Module(
        "kpis/aggregate.py",
        ("tests/kpis/test_aggregate_rules.py", "tests/kpis/test_compute.py"),
        ("tests/kpis",),
    ),
    Module(
        "recruiting/importing/validate.py",
        ("tests/recruiting/test_validation_rules.py",),
        ("tests/recruiting",),
    ),
)

# Mutants that change nothing a caller can observe, by mutant name: the reason, one line.
EQUIVALENTS: dict[str, str] = {
    "sla.evaluation.x__clause_lines__mutmut_2": "the repeat flag starts as None, not False: "
    "only its truth is read",
    "sla.evaluation.x__clause_lines__mutmut_61": "the repeat flag is reset to None, not False, "
    "after a period without a breach: only its truth is read",
    "sla.evaluation.x_clause_outcomes__mutmut_13": "without the closed flag worked out for "
    "every period at once, period_outcome works it out itself: the same rule, one period at a time",
    "sla.evaluation.x_period_after__mutmut_7": "the period two days after a period's end is the "
    "same as one day after: every period is at least 28 days long",
}


@dataclass
class Stage:
    mutants: int = 0
    killed: int = 0
    survivors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    diffs: dict[str, str] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return 100.0 * self.killed / self.mutants if self.mutants else 100.0


def _toml_list(items) -> str:
    return "[" + ", ".join(json.dumps(str(item)) for item in items) + "]"


def _config(work: Path, module: Module, tests: tuple[str, ...]) -> str:
    """mutmut's settings: every package of the project is copied beside the mutants (the
    tests import them all), only the module is mutated."""
    tops = sorted({p.relative_to(work).parts[0] for p in work.iterdir() if p.name != ".venv"})
    packages = [t for t in tops if (work / t / "__init__.py").exists() and t != "tests"]
    others = [t for t in tops if t not in packages and t not in ("tests", "mutants")]
    return (
        "\n[tool.mutmut]\n"
        f"source_paths = {_toml_list(packages)}\n"
        f"also_copy = {_toml_list(others)}\n"
        f'only_mutate = ["{module.path}"]\n'
        f"pytest_add_cli_args_test_selection = {_toml_list(tests)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]\n'
        'process_isolation = "forkserver"\n'
        "mutate_only_covered_lines = false\n"
        "use_git_change_detection = false\n"
    )


def _copy_project(into: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        target = into / name.decode()
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_file():
            shutil.copy2(source, target)
    (into / ".venv").symlink_to(Path(sys.prefix))


def _statuses(work: Path) -> dict[str, str]:
    out = subprocess.run(
        [str(Path(sys.prefix) / "bin" / "mutmut"), "results", "--all", "true"],
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    statuses = {}
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            statuses[name] = status
    return statuses


def _run_stage(work: Path, module: Module, tests: tuple[str, ...], names: list[str]) -> Stage:
    pyproject = work / "pyproject.toml"
    original = (ROOT / "pyproject.toml").read_text()
    pyproject.write_text(original + _config(work, module, tests))
    started = time.monotonic()
    subprocess.run(
        [str(Path(sys.prefix) / "bin" / "mutmut"), "run", "--max-children", "2", *names],
        cwd=work,
        check=False,
        env=os.environ | {"RPO_TEST_DB_SUFFIX": "mutate"},
    )
    stage = Stage(seconds=time.monotonic() - started)
    statuses = _statuses(work)
    if names:
        statuses = {name: statuses[name] for name in names if name in statuses}
    stage.mutants = len(statuses)
    for name, status in sorted(statuses.items()):
        if status in ("killed", "timeout") or name in EQUIVALENTS:
            stage.killed += 1
        else:
            stage.survivors.append(name)
    return stage


def mutate(module: Module, unit_only: bool = False) -> tuple[Stage, Stage]:
    with tempfile.TemporaryDirectory(prefix="rpo-mutate-") as folder:
        work = Path(folder)
        _copy_project(work)
        unit = _run_stage(work, module, module.unit_tests, [])
        wider = Stage()
        if unit.survivors and not unit_only:
            wider = _run_stage(work, module, module.wider_tests, list(unit.survivors))
            wider.mutants = unit.mutants
            wider.killed = unit.mutants - len(wider.survivors)
        else:
            wider = Stage(unit.mutants, unit.killed, list(unit.survivors), 0.0)
        wider.diffs = {name: _diff(work, name) for name in wider.survivors}
    return unit, wider


def _diff(work: Path, name: str) -> str:
    """The changed lines of a mutant, for the report."""
    shown = subprocess.run(
        [str(Path(sys.prefix) / "bin" / "mutmut"), "show", name],
        cwd=work,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    return "\n".join(
        line for line in shown if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )


def report(results: dict[str, tuple[Stage, Stage]]) -> str:
    lines = [
        "# Mutation testing of the rule modules",
        "",
        "Written by `make mutate` (`python -m bench.mutate`, mutmut 3, forkserver isolation).",
        "Scores count documented equivalent mutants (listed below) as killed.",
        "",
        "| module | mutants | unit tests | + app's tests | run time |",
        "|---|---|---|---|---|",
    ]
    for path, (unit, wider) in results.items():
        minutes = (unit.seconds + wider.seconds) / 60
        lines.append(
            f"| `{path}` | {unit.mutants} | {unit.score:.1f}% | {wider.score:.1f}% "
            f"| {minutes:.0f} min |"
        )
    lines += ["", "## Equivalent mutants", ""]
    lines += [f"- `{name}`: {reason}" for name, reason in sorted(EQUIVALENTS.items())] or ["- none"]
    survivors = [
        (n, wider.diffs.get(n, "")) for _, wider in results.values() for n in wider.survivors
    ]
    lines += ["", "## Survivors (a rule no test pins yet)", ""]
    for name, diff in survivors:
        lines += [f"- `{name}`", "", "```diff", diff, "```", ""]
    if not survivors:
        lines.append("- none")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="module paths (default: every rule module)")
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument(
        "--unit-only", action="store_true", help="the unit-test stage only (a quick look)"
    )
    args = parser.parse_args()
    chosen = [m for m in MODULES if not args.modules or m.path in args.modules]
    results = {module.path: mutate(module, args.unit_only) for module in chosen}
    text = report(results)
    args.report.write_text(text)
    print(text)
    return 1 if any(wider.survivors for _, wider in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
