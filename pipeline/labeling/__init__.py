"""Labeling loop: suggest sentences to label, hand them to Label Studio, import the labels back.

`suggest` picks the sentences that should teach the model most, `labelstudio` speaks the labeling tool's
formats (configuration from the schema, tasks, exports), and `importer` turns annotations into a
labeled-data file that `stance prepare` accepts.
"""
