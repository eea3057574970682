"""The task-independent half of the toolkit: everything a pack build does that does not depend on
what the model's inputs are.

Modules: `adapter` (the TaskAdapter interface a task implements), `tensors` (uint8 arrays <->
tensors), `training` (backbone and exit-head loops), `guides` (the FIANCEE guide database),
`predictor_training`, `evaluation` (measurements, routers, the figures), `export` (ONNX files,
parity vectors, per-exit costs, calibration.json), `pack_check` (`exitgraph pack inspect`) and
`build` (the phase driver and command line shared by every task's `build_pack`).
"""
