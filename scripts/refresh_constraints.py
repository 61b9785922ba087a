"""Write constraints.txt: the exact versions of every third-party package in the development environment.

Usage (after a dependency changes, and once the checks pass): hatch run python scripts/refresh_constraints.py

`.ci/run` exports ``UV_CONSTRAINT=constraints.txt``, so hatch's installer (uv) builds CI's environment from these
versions, not from whatever the index holds that day; refreshing them is a commit of its own. Left out: the
workspace's own packages (installed editable), torch (this machine's CPU build comes from a local file through pip:
README "Deep models"), and hftbacktest (a benchmark-only peer, never a dependency).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "constraints.txt"
LEFT_OUT = {"torch", "hftbacktest"}


def normalise(name: str) -> str:
    """PEP 503: lower case, runs of -, _ and . as one -."""
    return re.sub(r"[-_.]+", "-", name).lower()


def main() -> None:
    listed = subprocess.run(
        ["uv", "pip", "list", "--python", sys.executable, "--exclude-editable", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pins = []
    for entry in json.loads(listed):  # (a package installed from a local file is pinned by its version too)
        name = normalise(entry["name"])
        if name in LEFT_OUT or name.startswith("hft-"):
            continue
        pins.append(f"{name}=={entry['version']}")
    header = (
        "# The development environment's third-party packages, pinned: .ci/run points uv at it (UV_CONSTRAINT).\n"
        f"# Refreshed {dt.date.today().isoformat()} with: hatch run python scripts/refresh_constraints.py\n"
    )
    TARGET.write_text(header + "\n".join(sorted(pins, key=lambda pin: pin.partition("==")[0])) + "\n")
    print(f"wrote {len(pins)} pins to {TARGET}")


if __name__ == "__main__":
    main()
