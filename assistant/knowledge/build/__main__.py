"""``python -m assistant.knowledge.build --sources DIR [--out DIR]``: regenerate ``knowledge/``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from assistant.knowledge.build.pipeline import build, write
from assistant.knowledge.build.sources import SourceError

REPO_KNOWLEDGE = Path(__file__).resolve().parents[3] / "knowledge"


def main(argv: list[str] | None = None) -> int:
    """Convert the sources folder into the normalized knowledge files; print what was written."""
    parser = argparse.ArgumentParser(prog="python -m assistant.knowledge.build", description=__doc__)
    parser.add_argument("--sources", type=Path, required=True, help="folder laid out as shared/knowledge-sources")
    parser.add_argument("--out", type=Path, default=REPO_KNOWLEDGE, help="knowledge folder to write")
    parser.add_argument("--authored", type=Path, default=None, help="authored inputs (default OUT/authored)")
    args = parser.parse_args(argv)
    authored = args.authored or args.out / "authored"
    try:
        manifest = write(build(args.sources, authored), args.out)
    except (SourceError, ValidationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, count in sorted(manifest.counts.items()):
        print(f"{count:6d}  {name}")
    print(f"content hash {manifest.content_hash} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
