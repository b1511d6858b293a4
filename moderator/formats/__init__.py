"""Importers and exporters: pure parsing and writing, never the database."""
