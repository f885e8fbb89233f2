"""Reading many files at once, on this machine or a Ray cluster."""
