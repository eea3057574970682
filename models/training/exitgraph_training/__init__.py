"""exitgraph training toolkit: procedural landscape data, an early-exit SPADE-style generator,
FIANCEE guides, a difficulty predictor, perceptual metrics and the ONNX pack exporter."""
