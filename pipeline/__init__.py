"""ukraine-stance: stance classification of news sentences on Ukraine and NATO."""

__version__ = "0.1.0"


class StanceError(Exception):
    """A problem with the user's input or files, reported as one line and exit code 2.

    Anything raised as StanceError is the user's to fix (bad data, missing model,
    wrong path); anything else is a bug and keeps its traceback.
    """
