"""The compliance workspace: system profile, evidence register, SSP drafting and the program calendar.

Domain only (models and rules); storage lives in ``assistant.storage.workspace`` and file formats in
``assistant.exports``. Regulatory periods and freshness rules are read from ``knowledge/authored``.
"""
