"""Training the CRNN (the only part that imports TensorFlow) and storing users' corrections."""
