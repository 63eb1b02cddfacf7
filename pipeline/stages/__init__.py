"""The DVC stages: each a short module with run(root) and main(), parameters from params.yaml."""
