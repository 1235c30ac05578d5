"""Training, evaluation and comparison figures for Kitten Mixer VAEs."""
