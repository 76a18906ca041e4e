"""Question understanding: the ``QuestionFrame`` (hard tokens and ranked asks), the intent classifier and
the typed ``Context``. Sits below the skills, which read frames."""

from assistant.understanding.context import Context, ContextError, parse_context
from assistant.understanding.frame import Ask, QuestionFrame

__all__ = ["Ask", "Context", "ContextError", "QuestionFrame", "parse_context"]
