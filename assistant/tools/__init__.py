"""Plain typed functions over the knowledge base and index; the agent wraps them as tools."""
