"""The documentation site of a spec (``specfoundry docs``): MkDocs + Material sources.

:func:`emit_docs` returns the site's source files (``mkdocs.yml``, ``docs/**.md``, the
OpenAPI document, the bundled Mermaid script) by relative path. Building HTML is MkDocs' job
(:func:`build_site`). Everything is derived from the model, the emitted OpenAPI document and the
service emitter's SQL; the output is byte-identical for the same spec (no dates, no paths).

Pages: an overview, tenant isolation (with the PostgreSQL policies as generated), permissions
(role inheritance as a Mermaid flowchart, the matrix of every resource with conditions as
sentences), the data inventory, the API (rate limits per plan, deprecations and sunsets) and a
reference read from the OpenAPI document, one page per resource (fields, permissions, state
machines as Mermaid state diagrams with a transition table, operations, its SQL), and, with
``--since REV``, the changelog.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from specfoundry.emit.docs import api as api_pages
from specfoundry.emit.docs import markdown, pages
from specfoundry.emit.docs.policies import database_sql
from specfoundry.emit.render import generated_header, render
from specfoundry.model import Service
from specfoundry.resources import templates_dir

MERMAID_VERSION = "11.17.2"
MERMAID_ASSET = "docs/assets/mermaid.min.js"
SOURCE_DIRS = ("docs",)  # what `specfoundry docs` owns inside the output folder, with mkdocs.yml


def _header() -> str:
    return generated_header("").strip().replace("`specfoundry generate`", "`specfoundry docs`")


def _page(blocks: list[markdown.Block]) -> bytes:
    body = markdown.render(blocks).rstrip("\n")
    return render("docs/page.md.j2", header=_header(), body=body).encode()


def emit_docs(model: Service, *, changes: str | None = None) -> dict[str, bytes]:
    """Every source file of the site by path relative to the site folder."""
    from specfoundry.emit.openapi import build_openapi
    from specfoundry.emit.openapi import render as render_openapi

    document = build_openapi(model).document
    sql = database_sql(model)
    files: dict[str, bytes] = {
        "docs/index.md": _page(pages.index_page(model, changes is not None)),
        "docs/tenancy.md": _page(pages.tenancy_page(model, sql)),
        "docs/permissions.md": _page(pages.permissions_page(model)),
        "docs/data-inventory.md": _page(pages.inventory_page(model)),
        "docs/api.md": _page(pages.api_page(model, document)),
        "docs/api-reference.md": _page(
            [markdown.Heading("API reference", 1), *api_pages.reference(document)]
        ),
        "docs/openapi.json": render_openapi(document, "json").encode(),
    }
    for entity in model.entities:
        files[f"docs/{pages.page_name(entity)}"] = _page(
            pages.resource_page(model, entity, document, sql)
        )
    nav = [
        ("Overview", "index.md"),
        ("Tenant isolation", "tenancy.md"),
        ("Permissions", "permissions.md"),
        ("Data inventory", "data-inventory.md"),
        ("API", "api.md"),
        ("API reference", "api-reference.md"),
    ]
    if changes is not None:
        files["docs/changes.md"] = render(
            "docs/page.md.j2", header=_header(), body=changes.rstrip("\n")
        ).encode()
        nav.append(("Changes", "changes.md"))
    files["mkdocs.yml"] = render(
        "docs/mkdocs.yml.j2",
        header=_header(),
        site_name=json.dumps(model.title),
        site_description=json.dumps(model.description or model.title),
        mermaid_version=MERMAID_VERSION,
        nav=nav,
        resources=[(e.name.raw, pages.page_name(e)) for e in model.entities],
    ).encode()
    assets = templates_dir() / "docs" / "assets"
    files[MERMAID_ASSET] = (assets / "mermaid.min.js").read_bytes()
    files["docs/assets/mermaid.LICENSE"] = (assets / "mermaid.LICENSE").read_bytes()
    return dict(sorted(files.items()))


class BuildError(RuntimeError):
    """MkDocs is missing or failed; the message says which, with its output."""


def build_site(folder: Path, site: Path | None = None) -> Path:
    """Run ``mkdocs build --strict`` on ``folder``; return the HTML folder (``folder/site``).

    ``SOURCE_DATE_EPOCH`` is fixed so the sitemap carries no build date: two builds of the same
    sources give the same bytes.
    """
    site = site or folder / "site"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"]
    command += ["--config-file", str(folder / "mkdocs.yml"), "--site-dir", str(site)]
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:  # pragma: no cover - the interpreter itself is missing
        raise BuildError(str(exc)) from None
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()
        if "No module named mkdocs" in output:
            raise BuildError(
                "MkDocs is not installed: pip install 'specfoundry[docs]' (mkdocs, mkdocs-material)"
            )
        raise BuildError(f"mkdocs build failed:\n{output}")
    return site
