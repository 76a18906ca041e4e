"""The assistant: routing, offline composition, optional LLM wording, guardrail, the Answer model."""

from assistant.agent.answer import Answer, Citation
from assistant.agent.assistant import Assistant

__all__ = ["Answer", "Assistant", "Citation"]
