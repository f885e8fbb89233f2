"""What the readers know of a language: its word lists, word pairs and spacing."""
