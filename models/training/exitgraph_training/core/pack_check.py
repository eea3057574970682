"""Checking a written pack with exitgraph's own loader: `exitgraph pack inspect <dir> --json`.

The runtime is what reads packs, so it is also what judges them: one checker (manifest fields,
every file present, each ONNX graph's tensor names and shapes against the manifest and against
the tensors earlier files produce, calibration and split sizes), not a second one in Python that
could drift from it. Needs node and the built CLI (`npm run build` at the repository root).
"""
import json
import shutil
import subprocess
from pathlib import Path

from ..paths import REPO_ROOT

CLI = REPO_ROOT / "bin" / "exitgraph.js"
BUILT = REPO_ROOT / "dist" / "bin" / "cli" / "main.js"


class PackCheckUnavailable(RuntimeError):
    """node or the built exitgraph CLI is missing here."""


class PackCheckFailed(RuntimeError):
    """`exitgraph pack inspect` found errors in the pack."""

    def __init__(self, pack, problems, detail=""):
        self.pack, self.problems = Path(pack), problems
        lines = [f"  {p['severity']}: {p['file']} {p['field']}: {p['message']}" for p in problems]
        super().__init__(f"exitgraph pack inspect {pack}: {len(problems)} error(s)\n" + "\n".join(lines)
                         + (f"\n{detail}" if detail else ""))


def unavailable_reason():
    """Why the check cannot run here, or None when it can."""
    if not shutil.which("node"):
        return "node is not on PATH"
    if not BUILT.is_file():
        return f"{BUILT.relative_to(REPO_ROOT)} is missing (run `npm run build` at the repository root)"
    return None


def inspect_pack(pack_dir, timeout=300):
    """-> the `pack inspect --json` result (name, task, format, inputs, exits with MACs, problems).
    Raises PackCheckFailed when it reports an error (warnings are returned, not raised) and
    PackCheckUnavailable when node or the built CLI is missing."""
    reason = unavailable_reason()
    if reason:
        raise PackCheckUnavailable(f"cannot run exitgraph pack inspect: {reason}")
    pack = Path(pack_dir).resolve()
    proc = subprocess.run([shutil.which("node"), str(CLI), "pack", "inspect", str(pack), "--json"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)
    try:
        result = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise PackCheckFailed(pack, [], f"exit status {proc.returncode}, no JSON on stdout; stderr:\n"
                                        f"{proc.stderr.strip()}") from None
    errors = [p for p in result.get("problems", []) if p.get("severity") == "error"]
    if errors or proc.returncode != 0:
        raise PackCheckFailed(pack, errors, proc.stderr.strip())
    return result
