"""Converter from the official source files to the normalized files under ``knowledge/``."""
