"""The layering is a contract: ``lint-imports`` (import-linter, configured in pyproject.toml) keeps it,
and fails the build on an upward import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "browse", "demo", "alerts", "crawler", "spiders", "pages", "parsers")
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"]


def lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*LINT, str(tree / "pyproject.toml"), "--no-cache"], cwd=tree,
                          env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                          timeout=300)


def copy_of_the_house(tmp_path: Path) -> Path:
    tree = tmp_path / "house"
    tree.mkdir()
    shutil.copy(ROOT / "pyproject.toml", tree)
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, tree / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.html", "*.css"))
    return tree


def test_the_house_keeps_its_layers():
    proc = lint(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 kept, 0 broken" in proc.stdout


@pytest.mark.parametrize("module, upward", [
    ("parsers/model.py", "import crawler.store"),       # the report model importing the store
    ("crawler/store.py", "import alerts.state"),    # the store importing the alerts above it
    ("crawler/pipelines.py", "import crawler.parsestage"),  # crawl plumbing importing the parse stage
    ("pages/article.py", "import spiders.reports"),       # page reading importing the spider
    ("alerts/check.py", "import browse.views"),           # alerts importing browsing
    ("browse/views.py", "import app.cli"),                # browsing importing the shell
])
def test_an_upward_import_breaks_the_build(tmp_path, module, upward):
    tree = copy_of_the_house(tmp_path)
    target = tree / module
    target.write_text(target.read_text() + f"\n{upward}  # deliberately upward\n")
    proc = lint(tree)
    assert proc.returncode != 0
    assert "BROKEN" in proc.stdout
    importer = module.removesuffix(".py").replace("/", ".")
    imported = upward.split()[1]
    assert f"- {importer} -> {imported}" in proc.stdout, proc.stdout
