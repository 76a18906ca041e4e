"""The Slack app (slack-bolt): Socket Mode or HTTP, Block Kit answers, CUI guard, dedupe and audit."""
