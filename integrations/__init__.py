"""Front ends that translate requests into ``Assistant.ask`` and ``Answer``s into their own format."""
