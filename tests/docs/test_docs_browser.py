"""Both examples' sites, built with MkDocs and opened in headless Chromium (Debian's package).

Every Mermaid diagram must render to an SVG without a syntax error, every state diagram must
show every transition, and the site must load nothing from outside (requests to any other host
are refused and fail the test). Screenshots go to SPECFOUNDRY_DOCS_SCREENSHOTS when it is set
(docs/images/ holds the committed ones).

Needs /usr/bin/chromium: skipped locally without it, failed under CI=true (.ci/run installs it).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from specfoundry.model import Service

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Material attaches each rendered diagram in a closed shadow root; open it so the test can look.
OPEN_SHADOW = (
    "const attach = Element.prototype.attachShadow;"
    "Element.prototype.attachShadow = function (o) {"
    " return attach.call(this, {...o, mode: 'open'}) };"
)
DIAGRAMS = """
() => [...document.querySelectorAll('div.mermaid')].map(d => {
  const svg = d.shadowRoot && d.shadowRoot.querySelector('svg');
  if (!svg) return null;
  const box = svg.getBoundingClientRect();
  return {width: box.width, height: box.height, text: svg.textContent,
          error: !!svg.querySelector('.error-icon, .error-text')};
})
"""


def _need_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("chromium is not installed; CI=true requires it (.ci/run installs it)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory, sites: dict[str, dict[str, bytes]]
) -> dict[str, Path]:
    _need_chromium()
    roots: dict[str, Path] = {}
    builds = []
    for name, files in sites.items():
        root = tmp_path_factory.mktemp(f"site-{name}")
        for path, data in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
        command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f"]
        env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "NO_MKDOCS_2_WARNING": "1"}
        builds.append(subprocess.Popen([*command, str(root / "mkdocs.yml")], env=env))
        roots[name] = root / "site"
    assert all(p.wait(timeout=120) == 0 for p in builds)
    return roots


@pytest.fixture(scope="module")
def server(built: dict[str, Path]) -> Iterator[str]:
    root = next(iter(built.values())).parent.parent
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_every_diagram_renders_offline(
    built: dict[str, Path], server: str, models: dict[str, Service]
) -> None:
    from playwright.sync_api import sync_playwright

    shots = os.environ.get("SPECFOUNDRY_DOCS_SCREENSHOTS")
    external: list[str] = []
    errors: list[str] = []
    checked = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.add_init_script(OPEN_SHADOW)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        def route(request_route) -> None:  # type: ignore[no-untyped-def]
            if request_route.request.url.startswith(server):
                request_route.continue_()
            else:
                external.append(request_route.request.url)
                request_route.abort()

        page.route("**/*", route)
        for name, site in built.items():
            model = models[name]
            prefix = f"{server}/{site.parent.name}/site"
            pages = sorted(p for p in site.rglob("*.html") if 'class="mermaid"' in p.read_text())
            assert any(p.name == "permissions.html" for p in pages)
            for html in pages:
                relative = html.relative_to(site).as_posix()
                page.goto(f"{prefix}/{relative}")
                expected = html.read_text().count('class="mermaid"')
                page.wait_for_function(
                    f"document.querySelectorAll('div.mermaid').length === {expected}",
                    timeout=20_000,
                )
                diagrams = page.evaluate(DIAGRAMS)
                assert len(diagrams) == expected, relative
                for diagram in diagrams:
                    assert diagram is not None, f"{name} {relative}: no SVG"
                    assert not diagram["error"], f"{name} {relative}: Mermaid error"
                    assert "Syntax error" not in diagram["text"], relative
                    assert diagram["width"] > 100 and diagram["height"] > 50, relative
                    checked += 1
                entity = relative.removeprefix("resources/").removesuffix(".html")
                for machine in model.machine_for(entity.replace("-", "_")):
                    text = " ".join(d["text"] for d in diagrams)
                    for transition in machine.transitions:
                        assert transition.name.raw in text, (relative, transition.name.raw)
                if shots:
                    Path(shots).mkdir(parents=True, exist_ok=True)
                    page.add_style_tag(content=".md-header, .md-tabs { display: none }")
                    target = page.locator("div.mermaid").first
                    target.scroll_into_view_if_needed()
                    stem = f"{name}-{relative.replace('/', '-').removesuffix('.html')}"
                    target.screenshot(path=str(Path(shots) / f"{stem}.png"))
        browser.close()
    assert external == [], f"the site fetched from outside: {external}"
    assert errors == [], errors
    assert checked >= 4
