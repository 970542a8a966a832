"""scripts/dev.py, the quick start: refuses old interpreters, names missing system packages."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "dev.py"


@pytest.fixture
def dev():
    spec = importlib.util.spec_from_file_location("dev_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dev_script_refuses_python_older_than_311():
    # Arrange: run the script as if the interpreter were 3.10
    fake = (
        "import sys; sys.version_info = (3, 10, 4, 'final', 0); sys.argv = ['dev.py', 'run']; "
        f"exec(open({str(SCRIPT)!r}).read())"
    )

    # Act
    result = subprocess.run([sys.executable, "-c", fake], capture_output=True, text=True, timeout=30)

    # Assert
    assert result.returncode == 2
    assert "needs Python 3.11 or newer; this is Python 3.10." in result.stderr


def test_dev_script_names_missing_packages(dev, monkeypatch):
    # Arrange
    monkeypatch.setattr(dev.ctypes.util, "find_library", lambda name: None)
    monkeypatch.setattr(dev.shutil, "which", lambda name: None)
    monkeypatch.setattr(dev, "Path", lambda *a: Path("/nonexistent/chromium"))

    # Act
    missing = dev.missing_system_packages(tests=True, bench=True)

    # Assert
    assert missing == ["libpango-1.0-0", "libpangoft2-1.0-0", "gettext", "chromium", "poppler-utils", "wrk"]
    assert dev.missing_system_packages() == ["libpango-1.0-0", "libpangoft2-1.0-0", "gettext"]


def test_dev_script_without_root_stops_with_the_package_names(dev, monkeypatch, capsys):
    # Arrange
    monkeypatch.setattr(dev, "missing_system_packages", lambda **needs: ["libpango-1.0-0", "chromium"])
    monkeypatch.setattr(dev.os, "geteuid", lambda: 1000)

    # Act
    with pytest.raises(SystemExit) as raised:
        dev.ensure_system_packages(tests=True)

    # Assert
    assert raised.value.code == 1
    assert "missing system packages: libpango-1.0-0 chromium" in capsys.readouterr().err


def test_dev_script_requirements_hash_changes_with_the_requirements(dev, monkeypatch, tmp_path):
    # Arrange
    for name in dev.REQUIREMENTS:
        (tmp_path / name).write_text("Django==5.2.19\n")
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    before = dev.requirements_hash()

    # Act
    (tmp_path / "requirements-dev.txt").write_text("Django==5.2.19\npytest==9.2.0\n")

    # Assert
    assert dev.requirements_hash() != before


def test_dev_script_help_lists_the_three_commands():
    # Act
    result = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, timeout=30)

    # Assert
    assert result.returncode == 0
    assert "{run,test,bench}" in result.stdout
