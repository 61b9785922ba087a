"""Resolve a release tag `<dist>-v<version>` to its package and check the version against `__about__.py`.

Used by .github/workflows/release.yml: `python .github/scripts/release_tag.py "$GITHUB_REF_NAME" >> "$GITHUB_OUTPUT"`
prints `dist=`, `version=`, `path=` and `module=` lines, or exits 1 naming the mismatch (an unknown package, or a
tag whose version is not the one in packages/<dist>/src/<module>/__about__.py).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TAG = re.compile(r"^(?P<dist>[a-z0-9][a-z0-9-]*)-v(?P<version>[0-9][0-9A-Za-z.+!]*)$")
ABOUT_VERSION = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def resolve(tag: str, root: Path = ROOT) -> dict[str, str]:
    match = TAG.match(tag)
    if match is None:
        raise ValueError(f"tag {tag!r} is not <dist>-v<version> (e.g. hft-statarb-v0.2.0)")
    dist, version = match["dist"], match["version"]
    package = root / "packages" / dist
    if not (package / "pyproject.toml").is_file():
        known = ", ".join(sorted(p.parent.name for p in (root / "packages").glob("*/pyproject.toml")))
        raise ValueError(f"tag {tag!r} names no package under packages/ (known: {known})")
    module = dist.replace("-", "_")
    about = package / "src" / module / "__about__.py"
    found = ABOUT_VERSION.search(about.read_text(encoding="utf-8"))
    if found is None:
        raise ValueError(f"{about.relative_to(root)} has no __version__")
    if found[1] != version:
        raise ValueError(
            f"tag {tag!r} says {dist} {version} but {about.relative_to(root).as_posix()} says {found[1]}: "
            f"bump with `cd packages/{dist} && hatch version ...` or tag {dist}-v{found[1]}"
        )
    return {"dist": dist, "version": version, "path": f"packages/{dist}", "module": module}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: release_tag.py TAG", file=sys.stderr)
        return 2
    try:
        resolved = resolve(argv[0])
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for key, value in resolved.items():
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
