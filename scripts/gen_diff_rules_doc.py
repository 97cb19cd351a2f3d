"""Write docs/diff-rules.md from the rule catalog (src/specfoundry/diff/rules.py).

.venv/bin/python scripts/gen_diff_rules_doc.py          # rewrite the page
.venv/bin/python scripts/gen_diff_rules_doc.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from specfoundry.diff.rules import render_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "diff-rules.md"


def main() -> int:
    text = render_markdown()
    if "--check" in sys.argv[1:]:
        if DOC.read_text() != text:
            print(f"{DOC} is out of date: run scripts/gen_diff_rules_doc.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
