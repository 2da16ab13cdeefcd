"""README.md works when pasted: its shell blocks marked `<!-- readme-test -->` run in order,
in one bash, against the real server (`tasks-api serve` on a free port, SQLite in a temporary
directory). Every curl must get an answer, and every answer must be a 2xx unless the block
announces the status in a comment (`# 412, ETag: "2"`)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.servers import ROOT, running_server

MARKER = "<!-- readme-test -->"
BLOCK = re.compile(re.escape(MARKER) + r"\s*\n```sh\n(.*?)\n```", re.DOTALL)
README_ORIGIN = "http://127.0.0.1:8000"
# Records the status of every curl the blocks run (its last response, after any redirect),
# under the number of the block that ran it.
PRELUDE = r"""
set -euo pipefail
curl() {
  local headers status
  headers=$(mktemp)
  command curl --max-time 30 -D "$headers" "$@" || status=$?
  echo "$README_BLOCK $(grep -a '^HTTP/' "$headers" | tail -n 1 | cut -d' ' -f2)" >>"$README_STATUSES"
  rm -f "$headers"
  return "${status:-0}"
}
"""


def readme_blocks() -> list[str]:
    return BLOCK.findall((ROOT / "README.md").read_text())


def test_the_marked_blocks_are_the_examples() -> None:
    blocks = readme_blocks()
    assert len(blocks) == (ROOT / "README.md").read_text().count(MARKER)  # every marker has its block
    assert len(blocks) >= 9
    assert any("ann@example.com" in block and "auth/register" in block for block in blocks)


def test_the_readme_examples_work_when_pasted(tmp_path: Path) -> None:
    blocks = readme_blocks()
    statuses = tmp_path / "statuses"
    with running_server(f"sqlite:///{tmp_path / 'readme.db'}") as base:
        script = PRELUDE + "".join(
            f"\nREADME_BLOCK={number}\n{block.replace(README_ORIGIN, base)}\n"
            for number, block in enumerate(blocks)
        )
        result = subprocess.run(
            ["bash", "-c", script],
            cwd=tmp_path,
            env={
                "PATH": os.environ["PATH"],
                "HOME": str(tmp_path),
                "README_STATUSES": str(statuses),
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, f"{result.stderr}\n{result.stdout}"
    answered: dict[int, list[int]] = {}
    for line in statuses.read_text().splitlines():
        label, _, status = line.partition(" ")
        assert status, f"a curl in block {label} got no answer:\n{blocks[int(label)]}"
        answered.setdefault(int(label), []).append(int(status))
    assert sorted(answered) == list(range(len(blocks))), "every block calls the API"
    for number, codes in answered.items():
        announced = {int(code) for code in re.findall(r"#.*?\b([1-5]\d\d)\b", blocks[number])}
        unexpected = [code for code in codes if not 200 <= code < 300 and code not in announced]
        assert not unexpected, (
            f"block {number} got {unexpected}, which it does not announce:\n{blocks[number]}"
        )
