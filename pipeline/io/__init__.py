"""Files in and out: atomic writes, checksums, CSV cells, and the one CSV/JSONL table reader."""
