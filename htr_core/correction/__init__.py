"""Readings corrected after decoding: the word model's check and spelling."""
