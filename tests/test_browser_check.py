"""Which browser the browser check drives (tools/browser_check.py), and the test script's skip rule."""

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("browser_check", ROOT / "tools" / "browser_check.py")
browser_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(browser_check)


def test_a_named_browser_wins_and_a_missing_one_is_not_found(tmp_path, monkeypatch):
    chrome = tmp_path / "chrome"
    chrome.write_text("#!/bin/sh\n")
    monkeypatch.setenv("RGBOOK_BROWSER", str(chrome))
    assert browser_check.find_browser() == str(chrome)
    monkeypatch.setenv("RGBOOK_BROWSER", str(tmp_path / "nothing"))
    assert browser_check.find_browser() is None


def test_the_path_is_searched_after_debians_chromium(tmp_path, monkeypatch):
    monkeypatch.delenv("RGBOOK_BROWSER", raising=False)
    monkeypatch.setattr(browser_check, "CHROMIUM", str(tmp_path / "absent"))
    fake = tmp_path / "bin" / "chromium-browser"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    assert browser_check.find_browser() == str(fake)


@pytest.mark.parametrize(("ci", "status"), [("", 2), ("1", 1)])
def test_the_browser_step_is_skipped_only_on_request_and_never_in_ci(tmp_path, ci, status):
    env = {**os.environ, "RGBOOK_BROWSER": str(tmp_path / "nothing"), "RGBOOK_SKIP_BROWSER": "1"}
    env["RGBOOK_NO_INSTALL"] = "1"  # as root the script would otherwise install chromium
    env["RGBOOK_CI"] = ci
    run = subprocess.run(["bash", "tools/ensure_chromium.sh"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == status
    assert ("SKIPPED" in run.stderr) == (status == 2)
