"""CTC decoding: the model's log-probabilities in, readings with character spans out."""
