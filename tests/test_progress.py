import io
import sys
import types

import pytest

from rgkit import _progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def no_quiet(monkeypatch):
    monkeypatch.delenv(_progress.QUIET_ENV_VAR, raising=False)


def test_a_bar_shows_on_a_terminal_unless_rgbook_quiet_is_set(monkeypatch, no_quiet):
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    assert _progress.wanted(None)
    shown = _progress.bar(None, total=4, desc="sweeping", unit="point")
    shown.update(4)
    shown.close()
    assert "sweeping" in screen.getvalue() and "4/4" in screen.getvalue()
    for value, quiet in [("1", True), ("yes", True), ("0", False), ("", False)]:
        monkeypatch.setenv(_progress.QUIET_ENV_VAR, value)
        assert _progress.wanted(None) is not quiet


def test_output_to_a_file_or_pipe_gets_no_bar_unless_forced(monkeypatch, no_quiet):
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    monkeypatch.setitem(sys.modules, "IPython", None)  # as in a plain script
    assert not _progress.wanted(None)
    silent = _progress.bar(None, total=3, desc="sweeping", unit="point")
    silent.update(3)
    silent.close()
    assert log.getvalue() == ""
    assert _progress.wanted(True) and not _progress.wanted(False)
    forced = _progress.bar(True, total=2, desc="forced", unit="B")
    forced.update(2)
    forced.close()
    assert "forced" in log.getvalue()


def test_a_jupyter_kernel_counts_as_interactive(monkeypatch, no_quiet):
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # a kernel's stderr is no terminal
    kernel_shell = types.SimpleNamespace(kernel=object())
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: kernel_shell))
    assert _progress.interactive() and _progress.wanted(None)
    terminal_free_shell = types.SimpleNamespace()  # IPython imported, but no kernel (e.g. a script)
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: terminal_free_shell))
    assert not _progress.interactive()
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: None))
    assert not _progress.interactive()


def test_progress_must_be_a_bool_or_none():
    with pytest.raises(TypeError, match="progress must be True, False or None; got str"):
        _progress.wanted("yes")
