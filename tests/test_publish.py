"""tools/publish.py and the fetch of published cache entries (rgkit.data.cached), without network:
the published folder is read through file:// or served by a loopback HTTP server."""

import functools
import hashlib
import http.server
import importlib.util
import json
import socket
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml

from rgkit import _io, data

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("publish", ROOT / "tools" / "publish.py")
publish = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(publish)


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    # The manifest is read once per process; each test starts as a new process would.
    monkeypatch.setattr(data, "_manifests", {})
    monkeypatch.delenv(data.ARTEFACTS_ENV_VAR, raising=False)
    monkeypatch.setenv("RGBOOK_QUIET", "1")
    monkeypatch.setenv("no_proxy", "*")


def generator(calls, n):
    def generate():
        calls.append(n)
        return {"x": np.arange(n, dtype=np.int8), "y": np.full((n, 2), n / 7)}, {"n": n}

    return generate


def entry(folder, n, calls=None):
    """The demo entry with parameter n, from ``folder`` (computed there on a miss)."""
    calls = [] if calls is None else calls
    return data.cached("demo", {"n": n}, generator(calls, n), modules=["stats"], directory=folder)


@pytest.fixture
def site(tmp_path):
    """A built book and a cache of two entries, published to tmp_path/site."""
    html = tmp_path / "html"
    (html / "_static").mkdir(parents=True)
    (html / "index.html").write_text("<html>the book</html>")
    (html / "_static" / "style.css").write_text("body {}")
    cache = tmp_path / "cache"
    for n in (3, 5):
        entry(cache, n)
    publish.publish(html, cache, tmp_path / "site")
    return tmp_path / "site"


def use(url, monkeypatch):
    monkeypatch.setenv(data.ARTEFACTS_ENV_VAR, url)


@pytest.fixture
def serve(monkeypatch):
    """serve(folder) -> (base URL, list of requested paths), from a loopback HTTP server."""
    servers = []

    def start(folder):
        requested = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                requested.append(self.path)
                super().do_GET()

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", requested

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# ----------------------------------------------------------------------------- publishing
def test_publish_copies_the_html_and_lists_each_current_entry_with_its_sha256_and_size(tmp_path):
    html = tmp_path / "html"
    (html / "_static").mkdir(parents=True)
    (html / "index.html").write_text("<html>the book</html>")
    (html / "_static" / "style.css").write_text("body {}")
    cache = tmp_path / "cache"
    current = [entry(cache, n)[1].path for n in (3, 5)]
    # An entry keyed by source that has since changed, and files that are no entries.
    arrays, meta = _io.load(current[0])
    stale_key = "0" * 20
    _io.save(cache / f"demo-{stale_key}.npz", arrays, {**meta, "key": stale_key, "source_hash": "0" * 64}, kind="x")
    _io.save(cache / f"demo-{'1' * 20}.npz", arrays, {**meta, "source_hash": "0" * 64}, kind="cache-entry")
    (cache / "notes.txt").write_text("not an entry")
    np.savez(cache / "foreign.npz", x=np.zeros(2))

    out = tmp_path / "site"
    table = publish.publish(html, cache, out)

    assert (out / "index.html").read_bytes() == (html / "index.html").read_bytes()
    assert (out / "_static" / "style.css").read_bytes() == (html / "_static" / "style.css").read_bytes()
    published = sorted(p.name for p in (out / "artefacts").iterdir())
    assert published == sorted([p.name for p in current] + ["manifest.json"])
    expected = {}
    for path in current:
        content = path.read_bytes()
        expected[path.name] = {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
        assert (out / "artefacts" / path.name).read_bytes() == content
    assert table == {"format": 1, "entries": expected}
    assert json.loads((out / "artefacts" / "manifest.json").read_text()) == table

    # Deterministic, and a second run replaces its own earlier folder as a whole.
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (out / "stray.html").write_text("left from an older build")
    publish.publish(html, cache, out)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.")]  # no staging folder left


def test_publish_refuses_a_missing_book_and_folders_it_must_not_replace(tmp_path, capsys):
    html, cache = tmp_path / "html", tmp_path / "cache"
    with pytest.raises(publish.PublishError, match="no built book at .* run `make book` first"):
        publish.publish(html, cache, tmp_path / "site")
    assert publish.main(["--html", str(html), "--cache", str(cache), "--out", str(tmp_path / "site")]) == 2
    assert "no built book" in capsys.readouterr().err and not (tmp_path / "site").exists()

    html.mkdir()
    (html / "index.html").write_text("<html></html>")
    with pytest.raises(publish.PublishError, match="outside --html"):
        publish.publish(html, cache, html / "publish")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    with pytest.raises(publish.PublishError, match="not made by this script"):
        publish.publish(html, cache, mine)
    assert (mine / "thesis.tex").read_text() == "precious"
    # A cache folder that does not exist publishes the book with an empty manifest.
    assert publish.publish(html, cache, tmp_path / "site") == {"format": 1, "entries": {}}


def test_publish_command_line(tmp_path, site):
    html = tmp_path / "html"
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "publish.py")]
        + ["--html", str(html), "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "cli")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "2 artefacts" in run.stdout
    assert (tmp_path / "cli" / "artefacts" / "manifest.json").read_bytes() == (
        site / "artefacts" / "manifest.json"
    ).read_bytes()


# ----------------------------------------------------------------------------- fetching
def test_a_missing_entry_is_fetched_not_computed(tmp_path, site, monkeypatch):
    use((site / "artefacts").as_uri(), monkeypatch)
    local, calls = tmp_path / "empty", []
    arrays, got = entry(local, 5, calls)
    assert calls == [] and got.fetched and got.from_cache
    assert np.array_equal(arrays["x"], np.arange(5, dtype=np.int8)) and arrays["y"][0, 0] == 5 / 7
    assert got.path.read_bytes() == (site / "artefacts" / got.path.name).read_bytes()
    again = entry(local, 5, calls)[1]
    assert calls == [] and again.from_cache and not again.fetched  # now from the local cache
    assert sorted(p.name for p in local.iterdir()) == [got.path.name]  # no partial download left
    # An entry the book did not publish is computed, without a warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        computed = entry(local, 4, calls)[1]
    assert calls == [4] and not computed.fetched


def test_over_http_the_manifest_is_read_once_and_a_tampered_file_is_refused(tmp_path, site, serve, monkeypatch):
    published = {p.name: p for p in (site / "artefacts").glob("demo-*.npz")}
    three = next(name for name, p in published.items() if _io.load_meta(p)["params"] == {"n": 3})
    raw = bytearray(published[three].read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # same size, one byte changed
    published[three].write_bytes(bytes(raw))
    base, requested = serve(site)
    use(base + "/artefacts/", monkeypatch)
    local, calls = tmp_path / "empty", []

    with pytest.warns(data.FetchWarning, match=f"cannot use {three} .*SHA-256 differs"):
        arrays, refused = entry(local, 3, calls)
    assert calls == [3] and not refused.fetched and not refused.from_cache
    assert np.array_equal(arrays["x"], np.arange(3, dtype=np.int8))
    assert refused.path.read_bytes() != bytes(raw)  # the computed entry, not the tampered one
    fetched = entry(local, 5, calls)[1]
    assert calls == [3] and fetched.fetched
    assert requested.count("/artefacts/manifest.json") == 1
    assert not [p for p in local.iterdir() if p.suffix != ".npz"]


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda b: b[:-10], "has .* bytes, the manifest gives"),
        (lambda b: b + b"extra", "larger than the .* bytes"),
    ],
)
def test_a_file_of_the_wrong_size_is_refused(tmp_path, site, monkeypatch, damage, why):
    for path in (site / "artefacts").glob("demo-*.npz"):
        path.write_bytes(damage(path.read_bytes()))
    use((site / "artefacts").as_uri(), monkeypatch)
    calls = []
    with pytest.warns(data.FetchWarning, match=why):
        assert not entry(tmp_path / "empty", 3, calls)[1].fetched
    assert calls == [3]


def test_a_file_that_matches_its_hash_but_is_not_the_entry_is_discarded(tmp_path, site, monkeypatch):
    # The manifest vouches for the bytes, but they hold another entry: the key check catches it.
    manifest_path = site / "artefacts" / "manifest.json"
    table = json.loads(manifest_path.read_text())
    files = {_io.load_meta(p)["params"]["n"]: p for p in (site / "artefacts").glob("demo-*.npz")}
    files[3].write_bytes(files[5].read_bytes())
    table["entries"][files[3].name] = table["entries"][files[5].name]
    manifest_path.write_text(json.dumps(table))
    use((site / "artefacts").as_uri(), monkeypatch)
    calls = []
    with pytest.warns(data.FetchWarning, match="does not match the requested parameters"):
        arrays, got = entry(tmp_path / "empty", 3, calls)
    assert calls == [3] and arrays["x"].size == 3 and _io.load_meta(got.path)["params"] == {"n": 3}


def refused_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed on return: nothing listens there


@pytest.mark.parametrize("where", ["no manifest", "refused", "404", "not json", "bad hash", "newer format"])
def test_an_unusable_address_falls_back_to_computing_with_one_warning(tmp_path, site, serve, monkeypatch, where):
    manifest_path = site / "artefacts" / "manifest.json"
    table = json.loads(manifest_path.read_text())
    if where == "no manifest":
        manifest_path.unlink()
        url = (site / "artefacts").as_uri()
    elif where == "refused":
        url = f"http://127.0.0.1:{refused_port()}/artefacts"
    elif where == "404":
        url = serve(site)[0] + "/elsewhere"
    else:
        if where == "not json":
            manifest_path.write_text("<html>moved</html>")
        elif where == "bad hash":
            next(iter(table["entries"].values()))["sha256"] = "../../etc/passwd"
            manifest_path.write_text(json.dumps(table))
        else:
            manifest_path.write_text(json.dumps({**table, "format": 2}))
        url = serve(site)[0] + "/artefacts"
    use(url, monkeypatch)
    calls = []
    with pytest.warns(data.FetchWarning, match="cannot use the published artefacts at") as caught:
        assert not entry(tmp_path / "empty", 3, calls)[1].fetched
    assert len(caught) == 1 and "\n" not in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per process: the next miss computes silently
        entry(tmp_path / "empty", 5, calls)
    assert calls == [3, 5]


def test_a_fetched_entry_is_returned_uncached_when_the_cache_is_read_only(tmp_path, site, monkeypatch):
    use((site / "artefacts").as_uri(), monkeypatch)
    monkeypatch.setattr(data, "_writable", lambda folder: "read-only here")
    calls = []
    with pytest.warns(UserWarning, match="read-only here"):
        arrays, got = entry(tmp_path / "ro", 5, calls)
    assert calls == [] and got.fetched and got.path is None and arrays["x"].size == 5


def test_the_address_comes_from_the_environment(monkeypatch):
    assert data.artefacts_url() is None
    use("", monkeypatch)
    assert data.artefacts_url() is None
    use("https://example.org/book/artefacts/", monkeypatch)
    assert data.artefacts_url() == "https://example.org/book/artefacts"


def test_an_address_of_another_scheme_is_refused(tmp_path, monkeypatch):
    use("ftp://example.org/artefacts", monkeypatch)
    calls = []
    with pytest.warns(data.FetchWarning, match="https://, http:// or file://"):
        entry(tmp_path, 3, calls)
    assert calls == [3]


# ----------------------------------------------------------------------------- CI
def test_the_pages_workflow_builds_the_book_publishes_and_deploys():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "publish.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == ["main"]
    assert workflow["permissions"]["pages"] == "write" and workflow["permissions"]["id-token"] == "write"
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    runs = [step.get("run", "") for step in build["steps"]]
    uses = [step.get("uses", "") for step in build["steps"]]
    book = next(i for i, r in enumerate(runs) if "make book" in r)
    out = next(i for i, r in enumerate(runs) if "tools/publish.py --out _build/publish" in r)
    upload = next(i for i, u in enumerate(uses) if u.startswith("actions/upload-pages-artifact@"))
    assert book < out < upload and build["steps"][upload]["with"]["path"] == "_build/publish"
    python = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
    assert str(python["with"]["python-version"]) == "3.11"
    assert deploy["needs"] == "build"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy["steps"])
