"""The browser client's files (browser/): the Swift copy siftd serves is in sync, every
module parses as an ES module, and the citation splitter's unit tests pass (node)."""
import pathlib
import subprocess

from conftest import ROOT

BROWSER = pathlib.Path(ROOT) / "browser"


def test_the_served_copy_is_generated_from_browser():
    result = subprocess.run(
        ["python3", str(pathlib.Path(ROOT) / "scripts" / "gen-browser-assets.py"), "--check"],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_module_parses():
    modules = sorted(BROWSER.glob("*.js"))
    assert {"app.js", "stream.js", "answer.js"} <= {m.name for m in modules}
    for module in modules:
        result = subprocess.run(
            ["node", "--input-type=module", "--check"], stdin=open(module, "rb"), capture_output=True, text=True)
        assert result.returncode == 0, f"{module.name}: {result.stderr}"


def test_the_citation_splitter():
    result = subprocess.run(
        ["node", "--test", str(pathlib.Path(ROOT) / "tests" / "browser" / "citations.test.mjs")],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout
