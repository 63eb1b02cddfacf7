"""The evaluation as one self-contained HTML page and a Markdown twin, with their figures."""
