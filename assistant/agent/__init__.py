"""The assistant: ``build_assistant`` wiring, the ``Assistant`` (skills per ask, LLM wording, guardrail)."""

from assistant.agent.assistant import Assistant
from assistant.agent.build import LlmUnavailable, build_assistant
from assistant.skills.answer import Answer, Citation

__all__ = ["Answer", "Assistant", "Citation", "LlmUnavailable", "build_assistant"]
