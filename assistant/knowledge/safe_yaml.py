"""YAML from users, read safely: a size cap, a nesting cap and an alias cap (no "billion laughs"), UTF-8 only.

Every file a user hands the program (``--context``, eval suites, profiles, evidence registers) is read here, so
a hostile or broken file ends in one clear ``ValueError`` instead of a hang, a memory blow-up or a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.nodes import Node

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 40
MAX_ALIASES = 200
MAX_EXPANDED_NODES = 1_000_000  # what the document would hold with every alias expanded


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases and nesting while composing, before anything is expanded."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise ValueError(f"more than {MAX_ALIASES} YAML aliases (refusing a possible alias bomb)")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ValueError(f"YAML nested deeper than {MAX_DEPTH} levels")
            return Composer.compose_node(self, parent, index)
        finally:
            self._depth -= 1


def load_yaml_text(text: str, name: str = "input") -> Any:
    """Parse ``text``; ``ValueError`` naming ``name`` and the problem when it is too big, too deep or broken."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ValueError(f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    loader = _LimitedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, {}) > MAX_EXPANDED_NODES:
            raise ValueError(f"{name} would expand to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb)")
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise ValueError(f"{name} is not valid YAML: {exc}") from None
    except RecursionError:
        raise ValueError(f"{name} is nested too deeply") from None
    finally:
        loader.dispose()


def _expanded_size(node: Node, sizes: dict[int, int]) -> int:
    """Nodes the document holds once aliases are expanded (shared nodes are counted each time they appear,
    computed once)."""
    key = id(node)
    if key not in sizes:
        sizes[key] = 1  # guards against a cycle while this node is being counted
        children: list[Node] = []
        if isinstance(node.value, list):
            for item in node.value:
                children.extend(item if isinstance(item, tuple) else (item,))
        sizes[key] = 1 + sum(min(_expanded_size(child, sizes), MAX_EXPANDED_NODES + 1) for child in children)
    return sizes[key]


def load_yaml_file(path: Path) -> Any:
    """Read and parse a user's YAML file (UTF-8); ``ValueError`` or ``OSError`` with a clear message."""
    if path.stat().st_size > MAX_BYTES:
        raise ValueError(f"{path} is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text (byte {exc.start})") from None
    return load_yaml_text(text, str(path))
