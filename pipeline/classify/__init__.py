"""Applying the model: batch classification of articles, table prediction, and the summaries."""
