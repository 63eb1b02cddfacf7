"""Labeled data: the schema, reading and checking labeled files, splits, quality gates, annotator agreement."""
