"""Where things live, resolved from the repository layout, flags or the environment (never from a
machine-specific absolute path)."""
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TRAINING_DIR = PACKAGE_DIR.parent
REPO_ROOT = TRAINING_DIR.parent.parent


def default_lpips_weights_dir():
    """The LPIPS weights folder: $EXITGRAPH_WEIGHTS if set (either the lpips folder itself or a
    folder holding `lpips/`), else the weights the repository ships in `models/lpips`."""
    env = os.environ.get("EXITGRAPH_WEIGHTS")
    if env:
        p = Path(env)
        if (p / "lpips").is_dir() and not list(p.glob("lpips_*.json")):
            return p / "lpips"
        return p
    return REPO_ROOT / "models" / "lpips"
