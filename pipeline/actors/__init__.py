"""Who holds a position: speaker attribution by rules, with its word lists in lexicon.yaml."""
