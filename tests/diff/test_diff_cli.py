"""The command line as CI uses it: exit codes, each format's syntax, the ignore file, git."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import typer
from _diffsupport import api, write
from typer.testing import CliRunner

TODAY = ["--today", "2025-06-01"]


@pytest.fixture
def docs(tmp_path: Path) -> tuple[Path, Path]:
    """Base and a revision whose shared `Item.name` maxLength shrank (breaks POST requests)."""
    return write(tmp_path / "base.yaml", api(100)), write(tmp_path / "rev.yaml", api(50))


def run(runner: CliRunner, app: typer.Typer, *args: str):
    return runner.invoke(app, [*args, *TODAY])


# --- exit codes ------------------------------------------------------------------------------


def test_breaking_change_exits_1(runner, app, docs) -> None:
    result = run(runner, app, "diff", str(docs[0]), str(docs[1]))
    assert result.exit_code == 1, result.output
    assert "request-property-constraint-narrowed" in result.stdout


def test_identical_documents_exit_0(runner, app, docs) -> None:
    result = run(runner, app, "diff", str(docs[0]), str(docs[0]))
    assert result.exit_code == 0
    assert "no changes" in result.stdout


def test_fail_on_levels(runner, app, tmp_path) -> None:
    base = write(tmp_path / "a.yaml", api(100))
    widened = write(tmp_path / "b.yaml", api(200))  # request info, response error
    added = write(tmp_path / "c.yaml", api(100, extra_status=True))  # info only
    assert run(runner, app, "diff", str(base), str(added)).exit_code == 0
    assert run(runner, app, "diff", str(base), str(added), "--fail-on", "info").exit_code == 1
    assert run(runner, app, "diff", str(base), str(widened)).exit_code == 1
    relaxed = api(100)
    relaxed["paths"]["/v1/items"]["get"]["operationId"] = "itemsList"  # warning only
    changed_id = write(tmp_path / "d.yaml", relaxed)
    assert run(runner, app, "diff", str(base), str(changed_id)).exit_code == 0
    assert (
        run(runner, app, "diff", str(base), str(changed_id), "--fail-on", "warning").exit_code == 1
    )


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("openapi: 3.1.0\npaths: [\n", "cannot parse"),
        ("swagger: '2.0'\n", "Swagger 2.0"),
        ("hello: world\n", "neither an OpenAPI"),
        ("openapi: 2.5.0\n", "not supported"),
        (
            "openapi: 3.1.0\npaths:\n  /v1/items:\n    get:\n      responses:\n        '200':\n"
            "          $ref: '#/components/responses/Gone'\n",
            "points at nothing",
        ),
        (
            "openapi: 3.1.0\npaths:\n  /v1/items:\n    get:\n      responses:\n        '200':\n"
            "          $ref: 'other.yaml#/Thing'\n",
            "external $ref",
        ),
    ],
)
def test_unusable_input_exits_2_with_one_line(runner, app, docs, tmp_path, content, needle):
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    result = run(runner, app, "diff", str(docs[0]), str(bad))
    assert result.exit_code == 2
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output + result.stderr


def test_missing_file_and_bad_arguments_exit_2(runner, app, docs) -> None:
    missing = run(runner, app, "diff", str(docs[0]), "nope.yaml")
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    one = run(runner, app, "diff", str(docs[0]))
    assert one.exit_code == 2 and "BASE and REVISION" in one.stderr
    bad_day = runner.invoke(app, ["diff", str(docs[0]), str(docs[1]), "--today", "soon"])
    assert bad_day.exit_code == 2 and "YYYY-MM-DD" in bad_day.stderr


def test_help_has_examples(runner, app) -> None:
    for command in ("diff", "changelog"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "Examples:" in result.stdout and "specfoundry" in result.stdout


# --- formats ---------------------------------------------------------------------------------


def test_json_contract(runner, app, docs) -> None:
    result = run(runner, app, "diff", str(docs[0]), str(docs[1]), "--format", "json")
    payload = json.loads(result.stdout)
    assert set(payload) >= {"findings", "summary"}
    assert payload["summary"] == {"error": 1, "warning": 0, "info": 3, "total": 4}
    for finding in payload["findings"]:
        assert set(finding) >= {"rule", "level", "message", "operation", "pointer", "location"}
        assert finding["level"] in ("error", "warning", "info")
        assert finding["pointer"] == "/components/schemas/Item/properties/name/maxLength"
        assert finding["location"]["file"].endswith("rev.yaml")
        assert finding["location"]["line"] > 1
    ops = sorted({(f["rule"], f["operation"]) for f in payload["findings"]})
    assert ops == [
        ("request-property-constraint-narrowed", "POST /v1/items"),
        ("response-property-constraint-narrowed", "GET /v1/items"),
        ("response-property-constraint-narrowed", "GET /v1/items/{id}"),
        ("response-property-constraint-narrowed", "POST /v1/items"),
    ]


def test_output_is_deterministic(runner, app, docs) -> None:
    for fmt in ("text", "json", "markdown", "github", "junit", "sarif"):
        first = run(runner, app, "diff", str(docs[0]), str(docs[1]), "-f", fmt).stdout
        second = run(runner, app, "diff", str(docs[0]), str(docs[1]), "-f", fmt).stdout
        assert first == second, fmt


def test_text_groups_shared_component_changes(runner, app, docs) -> None:
    result = run(runner, app, "diff", str(docs[0]), str(docs[1]), "--no-color")
    text = result.stdout
    assert "shared components/schemas/Item/properties/name/maxLength" in text
    assert "affects 3 operations: GET /v1/items, GET /v1/items/{id}, POST /v1/items" in text
    assert text.count("response-property-constraint-narrowed") == 1  # grouped, not repeated
    assert "\x1b[" not in text
    coloured = run(runner, app, "diff", str(docs[0]), str(docs[1]), "--color").stdout
    assert "\x1b[" in coloured


GITHUB_LINE = re.compile(
    r"^::(error|warning|notice) (file=[^,]+,line=\d+,col=\d+,)?title=[^:,]+::[^\n\r]+$"
)


def test_github_annotations(runner, app, docs) -> None:
    result = run(runner, app, "diff", str(docs[0]), str(docs[1]), "--format", "github")
    lines = result.stdout.strip().splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    assert annotations and all(GITHUB_LINE.match(a) for a in annotations), annotations
    error = next(a for a in annotations if a.startswith("::error"))
    assert "rev.yaml" in error and "request-property-constraint-narrowed" in error
    line = int(re.search(r"line=(\d+)", error).group(1))
    source = docs[1].read_text().splitlines()[line - 1]
    assert "maxLength" in source  # the annotation points at the changed line
    assert lines[-1].startswith("specfoundry diff: 1 error(s)")


def test_github_escapes_messages() -> None:
    from specfoundry.diff.findings import Level
    from specfoundry.diff.report.github import annotation

    text = annotation(Level.ERROR, "a,b:c", "50% done\nnext", None)
    assert text == "::error title=a%2Cb%3Ac::50%25 done%0Anext"


def test_sarif_shape(runner, app, docs) -> None:
    result = run(runner, app, "diff", str(docs[0]), str(docs[1]), "--format", "sarif")
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0" and "$schema" in sarif
    (run_,) = sarif["runs"]
    rules = run_["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(ids)
    for res in run_["results"]:
        assert res["level"] in ("error", "warning", "note")
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["message"]["text"]
        (location,) = res["locations"]
        region = location["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert location["logicalLocations"][0]["fullyQualifiedName"].startswith("/components")
        assert res["partialFingerprints"]


def test_junit_parses(runner, app, docs) -> None:
    result = run(runner, app, "diff", str(docs[0]), str(docs[1]), "--format", "junit")
    root = ET.fromstring(result.stdout.encode())
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "4" and suite.get("failures") == "1"
    failures = root.findall(".//failure")
    assert len(failures) == 1 and failures[0].get("type") == "error"


def test_markdown_and_output_file(runner, app, docs, tmp_path) -> None:
    out = tmp_path / "comment.md"
    result = run(runner, app, "diff", str(docs[0]), str(docs[1]), "-f", "markdown", "-o", str(out))
    assert result.exit_code == 1 and result.stdout == ""
    text = out.read_text()
    assert text.startswith("## ❌ API diff fails")
    assert "### Breaking changes (error)" in text
    assert "`POST /v1/items`" in text


def test_changelog_lists_every_level(runner, app, docs) -> None:
    result = run(runner, app, "changelog", str(docs[0]), str(docs[1]))
    assert result.exit_code == 0
    assert result.stdout.startswith("# API changes")
    assert "## Breaking changes (error)" in result.stdout
    assert "## Other changes (info)" in result.stdout


# --- the ignore file -------------------------------------------------------------------------


def _ignore(path: Path, **entry: object) -> Path:
    body = {"rule": "request-property-constraint-narrowed", "reason": "agreed with clients"}
    return write(path, {"ignore": [{**body, **entry}]})


def test_ignore_suppresses_by_operation(runner, app, docs, tmp_path) -> None:
    ignore = _ignore(tmp_path / "ignore.yaml", operation="post /v1/items")
    result = run(runner, app, "diff", *map(str, docs), "--ignore", str(ignore), "-f", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["summary"]["error"] == 0
    (suppressed,) = payload["suppressed"]
    assert suppressed["ignored_by"]["reason"] == "agreed with clients"


def test_ignore_by_pointer_and_default_location(runner, app, docs, tmp_path) -> None:
    pointer = "#/components/schemas/Item/properties/name/maxLength"
    _ignore(tmp_path / ".specfoundry-ignore.yaml", pointer=pointer)  # beside rev.yaml
    result = run(runner, app, "diff", *map(str, docs))
    assert result.exit_code == 0, result.output
    assert "1 ignored" in result.stdout


def test_expired_ignore_stops_suppressing_and_is_reported(runner, app, docs, tmp_path) -> None:
    ignore = _ignore(tmp_path / "i.yaml", operation="POST /v1/items", expires="2025-05-31")
    result = run(runner, app, "diff", *map(str, docs), "--ignore", str(ignore), "-f", "json")
    assert result.exit_code == 1
    rules = {f["rule"]: f for f in json.loads(result.stdout)["findings"]}
    assert "request-property-constraint-narrowed" in rules
    expired = rules["ignore-entry-expired"]
    assert expired["level"] == "warning" and expired["location"]["line"] == 2
    still = _ignore(tmp_path / "j.yaml", operation="POST /v1/items", expires="2025-06-01")
    assert run(runner, app, "diff", *map(str, docs), "--ignore", str(still)).exit_code == 0


def test_an_ignore_entry_that_matches_nothing_is_reported(runner, app, docs, tmp_path) -> None:
    ignore = _ignore(tmp_path / "i.yaml", operation="GET /v1/gone")
    result = run(runner, app, "diff", *map(str, docs), "--ignore", str(ignore), "-f", "json")
    assert result.exit_code == 1  # the real finding is not hidden
    unused = [
        f for f in json.loads(result.stdout)["findings"] if f["rule"] == "ignore-entry-unused"
    ]
    assert [(f["level"], f["location"]["line"]) for f in unused] == [("info", 2)]
    assert "GET /v1/gone" in unused[0]["message"]


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        ({"rule": "no-such-rule", "operation": "GET /a", "reason": "x"}, "no known rule"),
        ({"rule": "operation-removed", "reason": "x"}, "needs an `operation`"),
        ({"rule": "operation-removed", "operation": "GET /a"}, "needs a `reason`"),
        (
            {"rule": "operation-removed", "operation": "GET /a", "reason": "x", "expires": "soon"},
            "YYYY-MM-DD",
        ),
    ],
)
def test_bad_ignore_file_exits_2(runner, app, docs, tmp_path, entry, needle) -> None:
    ignore = write(tmp_path / "bad-ignore.yaml", {"ignore": [entry]})
    result = run(runner, app, "diff", *map(str, docs), "--ignore", str(ignore))
    assert result.exit_code == 2 and needle in result.stderr
    assert "bad-ignore.yaml:2:" in result.stderr


# --- git REV:PATH ----------------------------------------------------------------------------


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    write(root / "api" / "openapi.yaml", api(100))
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "base")
    write(root / "api" / "openapi.yaml", api(50))  # uncommitted working-tree change
    monkeypatch.chdir(root)
    return root


def test_git_revision_against_working_tree(runner, app, repo) -> None:
    before = (repo / "api" / "openapi.yaml").read_text()
    result = run(runner, app, "diff", "--base", "main", "api/openapi.yaml", "-f", "github")
    assert result.exit_code == 1, result.output
    assert "::error file=api/openapi.yaml,line=" in result.stdout
    explicit = run(runner, app, "diff", "HEAD:api/openapi.yaml", "api/openapi.yaml")
    assert explicit.exit_code == 1
    assert (repo / "api" / "openapi.yaml").read_text() == before  # working tree untouched
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True)
    assert status.stdout.decode().split() == ["M", "api/openapi.yaml"]


def test_git_folder_and_subdirectory(runner, app, repo, monkeypatch) -> None:
    monkeypatch.chdir(repo / "api")
    result = run(runner, app, "diff", "main:openapi.yaml", "openapi.yaml", "-f", "json")
    assert result.exit_code == 1, result.output
    same = run(runner, app, "diff", "main:openapi.yaml", "main:openapi.yaml")
    assert same.exit_code == 0


def test_git_errors_exit_2(runner, app, repo) -> None:
    unknown = run(runner, app, "diff", "no-such-branch:api/openapi.yaml", "api/openapi.yaml")
    assert unknown.exit_code == 2 and "unknown git revision" in unknown.stderr
    missing = run(runner, app, "diff", "main:api/none.yaml", "api/openapi.yaml")
    assert missing.exit_code == 2 and "no such path" in missing.stderr
