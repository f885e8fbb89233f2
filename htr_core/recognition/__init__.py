"""The recognizers: crops in, the model's log-probabilities out (ONNX Runtime, no TensorFlow)."""
