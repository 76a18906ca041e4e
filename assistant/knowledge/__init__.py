"""The knowledge layer: typed framework data, ID parsing and the ``KnowledgeBase``.

It imports nothing else of this package, so every other layer can depend on it.
"""

from assistant.knowledge.base import KnowledgeBase, get_knowledge_base
from assistant.knowledge.errors import KnowledgeError, KnowledgeFileError, UnknownControlError
from assistant.knowledge.models import Control, CrosswalkEdge, FrameworkId, Provenance, Relationship

__all__ = [
    "Control",
    "CrosswalkEdge",
    "FrameworkId",
    "KnowledgeBase",
    "KnowledgeError",
    "KnowledgeFileError",
    "Provenance",
    "Relationship",
    "UnknownControlError",
    "get_knowledge_base",
]
