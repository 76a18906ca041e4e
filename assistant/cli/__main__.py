"""``python -m assistant.cli``: the same as the ``compliance-assistant`` command."""

from assistant.cli.app import main

main()
