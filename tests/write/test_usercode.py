"""User code that refers to generated names a spec edit removed is pointed at, file and line."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from specfoundry.write import EmittedFile
from specfoundry.write.usercode import find_stale_references


def _emission(models: str) -> tuple[EmittedFile, ...]:
    return (
        EmittedFile(PurePosixPath("shop/__init__.py"), b"", "generator"),
        EmittedFile(PurePosixPath("shop/models.py"), models.encode(), "generator"),
        EmittedFile(PurePosixPath("shop_ext/hooks.py"), b"", "user"),
    )


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_import_of_a_removed_model_is_reported_with_line(tmp_path: Path) -> None:
    _write(tmp_path, "shop_ext/routes.py", "import os\n\nfrom shop.models import Order, Cart\n")
    _write(tmp_path, "shop_ext/hooks.py", "")
    problems = find_stale_references(
        tmp_path, _emission("class Order: ...\n"), "shop", "shop_ext", {}
    )
    assert [(p.file, p.line, p.column) for p in problems] == [("shop_ext/routes.py", 3, 1)]
    assert "'Cart'" in problems[0].message


def test_import_of_a_module_no_longer_generated(tmp_path: Path) -> None:
    _write(tmp_path, "shop_ext/routes.py", "from shop.routes.cart import router\n")
    problems = find_stale_references(tmp_path, _emission(""), "shop", "shop_ext", {})
    assert problems[0].message == "module 'shop.routes.cart' is no longer generated"


def test_hooks_removed_from_or_added_to_the_spec(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "shop_ext/hooks.py",
        "def on_cancel(ctx):\n    pass\n\n\ndef _helper():\n    pass\n",
    )
    problems = find_stale_references(
        tmp_path, _emission(""), "shop", "shop_ext", {"on_refund": "transition order.refund"}
    )
    messages = sorted(p.message for p in problems)
    assert messages == [
        "hook 'on_cancel' is no longer named by the spec, so nothing calls it",
        "the spec names hook 'on_refund' (transition order.refund) but hooks.py does not define it",
    ]
    assert next(p for p in problems if "on_cancel" in p.message).line == 1


def test_up_to_date_user_code_reports_nothing(tmp_path: Path) -> None:
    _write(
        tmp_path, "shop_ext/routes.py", "from shop.models import Order\nfrom shop import models\n"
    )
    _write(tmp_path, "shop_ext/hooks.py", "def on_cancel(ctx):\n    pass\n")
    problems = find_stale_references(
        tmp_path,
        _emission("class Order: ...\n"),
        "shop",
        "shop_ext",
        {"on_cancel": "transition order.cancel"},
    )
    assert problems == []
