"""The assistant: ``build_assistant`` wiring, the ``Assistant`` (skills per ask, LLM wording, guardrail)."""

from assistant.agent.assistant import Assistant
from assistant.agent.build import LlmUnavailable, build_assistant
from assistant.knowledge import UnknownControlError
from assistant.skills.answer import Answer, Citation
from assistant.understanding.context import ContextError

__all__ = ["Answer", "Assistant", "Citation", "ContextError", "LlmUnavailable", "UnknownControlError",
           "build_assistant"]
