"""Skills: one module per capability (typed request, tool calls, offline rendering, LLM tool) and one registry."""
