"""The layer order (docs/architecture.md, "Layers") is checked by import-linter in `make lint`.

The contracts live in pyproject.toml. These tests run the same `lint-imports` on the project
and on a copy of it with one import added, so a contract that stopped catching what it is for
fails here.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from rpo_portal.task_names import task_named

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = re.compile(r"^root_packages = \[(.*?)\]", re.MULTILINE | re.DOTALL)


def root_packages() -> list[str]:
    config = (settings.BASE_DIR / "pyproject.toml").read_text()
    return re.findall(r'"([^"]+)"', PACKAGES.search(config).group(1))


def lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=folder,
        env={"PYTHONPATH": str(folder), "PATH": str(LINT_IMPORTS.parent)},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def project_copy(tmp_path):
    """The project's Python packages and its pyproject.toml, in a folder of their own."""
    for package in root_packages():
        shutil.copytree(
            settings.BASE_DIR / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "templates", "static"),
        )
    shutil.copy(settings.BASE_DIR / "pyproject.toml", tmp_path)
    return tmp_path


def broken_by(folder: Path, module: str, line: str) -> str:
    """Lint the copy with `line` added to `module`: it must fail; its report."""
    path = folder / module
    path.write_text(path.read_text() + f"\n{line}\n")
    result = lint(folder)
    assert result.returncode == 1, result.stdout
    return result.stdout


def test_every_app_is_in_the_layers():
    installed = {
        name.split(".")[0]
        for name in settings.INSTALLED_APPS
        if (settings.BASE_DIR / name.split(".")[0]).is_dir()
    }
    assert installed | {"rpo_portal", "charts"} == set(root_packages())


def test_the_project_keeps_its_contracts():
    result = lint(settings.BASE_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_import_from_a_lower_layer_up_fails(project_copy):
    assert lint(project_copy).returncode == 0
    report = broken_by(project_copy, "kpis/selectors.py", "from sla import selectors  # noqa")
    assert "Apps import only the layers below them BROKEN" in report
    assert "kpis.selectors -> sla.selectors" in report


def test_an_import_inside_a_function_counts_too(project_copy):
    later = "def _later():\n    from orchestration import pipeline  # noqa\n"
    report = broken_by(project_copy, "engagements/services.py", later)
    assert "engagements.services -> orchestration.pipeline" in report


def test_a_shared_service_may_not_use_another(project_copy):
    report = broken_by(project_copy, "notifications/services.py", "import charts.svg  # noqa")
    assert "The shared services do not know one another BROKEN" in report


def test_a_service_that_imports_its_task_module_fails(project_copy):
    enqueue = (
        "def _enqueue():\n    from notifications.tasks import send_notification_emails  # noqa\n"
    )
    report = broken_by(project_copy, "notifications/services.py", enqueue)
    assert "No import cycles among the modules of an app BROKEN" in report


def test_every_task_enqueued_by_name_is_registered():
    sources = [
        path
        for package in root_packages()
        for path in (settings.BASE_DIR / package).rglob("*.py")
        if "migrations" not in path.parts
    ]
    names = {
        name
        for path in sources
        for name in re.findall(r'task_named\(\s*"([^"]+)"', path.read_text())
    }
    names |= set(re.findall(r'(?m)^RECOMPUTE_TASK = "([^"]+)"', _read("kpis/progress.py")))
    assert len(names) >= 5
    for name in sorted(names):
        assert task_named(name).name == name


def _read(relative: str) -> str:
    return (settings.BASE_DIR / relative).read_text()
