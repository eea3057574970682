"""The task adapter: everything the core needs to know about one task, and nothing more.

The core (training loops, guides, predictor, measurements, export, the build driver) never looks
inside a sample: it passes splits (dicts of uint8 arrays, see tensors.py) to the adapter and gets
back tensors, forward passes and file lists. A new task is one subclass of `TaskAdapter` plus its
data generator and its networks; see README.md, "Adding a task".

What an adapter provides, and why the core needs it:

* `name`, `task`, `input_names`, `full_sizes` / `tiny_sizes`, `log_every`: the pack's default
  name, its manifest task, the pack inputs in the order the networks take them, the build's
  size flags (each key becomes a `--flag`; the core reads `guides`, `calibration`, `predictor`,
  `backbone_minutes`, `backbone_steps`, `exits_minutes`, `exit_steps`, `predictor_steps`,
  `batch`, `parity_samples`) and how often the training loops log.
* `make_data(args, log)` -> `TaskData`: the splits. Rendering data is the task's own business.
* `to_tensors(split, device)`: a split's inputs as the networks' input tensors (one-hot label
  maps, images in [-1, 1], ...), in `input_names` order.
* `draw(source, rng, batch)`: one random training batch (a split with `target`) from the
  task's training source; all draws go through the one numpy generator the core passes.
* `new_backbone()`, `new_exit_heads(use_guide)`, `new_predictor(num_exits)`: fresh networks. The
  core relies on: `backbone.segments` (the per-exit segments), `backbone.head` (the full model's
  output layer), `heads.heads` (one per early exit), `heads(feats, guide, head_input)` -> list
  of early-exit images, `predictor(*inputs)` -> [N, exits] distances and the static
  `predictor.pooled_input(*inputs)` / `predictor.forward_pooled(x)` pair (the pooling is
  computed once for the whole predictor set; landscape: pooled_input is the runtime-computed
  `label_grid`, and predictor.onnx is forward_pooled alone).
* `forward(backbone, inputs)` -> `Forward`: the full output, the per-segment features, the tensor
  the guide database is keyed on and the extra tensor the exit heads read.
* `guide_entry(backbone, pool_batch, device)` -> (key features, value images): what a guide is
  for this task (landscapes: the backbone's own output; faces: the identity's neutral portrait).
* `baselines(inputs)`: trivial answers reported against the ground truth (faces: the source and
  the driver returned unchanged); none by default.
* `derived_tensors(pool)`: tensors the runtime computes from the pack inputs instead of an ONNX
  file (landscape: the predictor's `label_grid`, manifest `predictor.features`), so that the
  export can feed the files that read them; none by default.
* `export_files(backbone, heads, guides, predictor)` -> list of `ExportFile`: the pack's ONNX
  files in export order, each with the tensor names it reads and writes (the pack's tensor
  pool); `ExportFile.stage` marks input-only stages, whose MACs are reported apart.
* `write_data_files(out, data)` and `build_manifest(args, num_segments, num_exits, guide_count,
  data)`: the splits a pack ships and its manifest (landscape: exitgraph.pack/1; faces: /2).
* `report_data(args, data)`: the `data` section of training-report.json.
"""
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import torch


class Forward(NamedTuple):
    """One pass of the backbone: what the exit heads and the guide database read."""
    full: torch.Tensor          # the full model's image [N, 3, H, W] in [-1, 1]
    feats: list                 # per-segment features, feats[k] feeds exit k
    guide_input: torch.Tensor   # what the guide database is keyed on
    head_input: Any             # the extra tensor every ExitHeads call gets (or None)


@dataclass
class ExportFile:
    """One ONNX file of a pack: the module exported and its tensor names in the pack's pool."""
    file: str
    module: torch.nn.Module
    inputs: list
    outputs: list
    stage: bool = False         # depends on one pack input only (format 2 `stages`)


@dataclass
class TaskData:
    """The splits of one build. Splits are dicts of uint8 arrays (tensors.py); `backbone_train`,
    `exits_train` and the guide pool are whatever the adapter's `draw` / `guide_entry` read."""
    backbone_train: Any
    exits_train: Any
    guide_pool: dict
    predictor: dict             # inputs the predictor's targets are measured on
    predictor_id: Any           # identifies that set (a resumed build reuses its measurements)
    calibration: dict
    test: dict                  # with `target`
    val: dict                   # with `target`
    test_tiers: list            # "easy" / "medium" / "hard" (or other) per test sample
    extra_tests: dict = field(default_factory=dict)   # report key -> split with `target`
    info: dict = field(default_factory=dict)          # anything else the adapter keeps


class TaskAdapter(ABC):
    name: str
    task: str
    input_names: tuple
    full_sizes: dict
    tiny_sizes: dict
    log_every = 100
    # Adam's weight decay for the predictor: a dense predictor over many features (landscape's)
    # needs more than a convolutional one to rank held-out inputs well.
    predictor_weight_decay = 1e-4

    def add_arguments(self, parser):
        """Task-specific command-line flags (beyond the core's and the size flags)."""

    def configure(self, args):
        """Called once with the parsed flags, before any network is made (for task flags that
        shape the networks)."""

    @abstractmethod
    def make_data(self, args, log):
        """-> TaskData."""

    @abstractmethod
    def to_tensors(self, split, device=None):
        """-> list of input tensors, in `input_names` order."""

    @abstractmethod
    def draw(self, source, rng, batch):
        """-> a training batch: a split with the inputs and `target`."""

    @abstractmethod
    def new_backbone(self):
        ...

    @abstractmethod
    def new_exit_heads(self, use_guide):
        ...

    @abstractmethod
    def new_predictor(self, num_exits):
        ...

    @abstractmethod
    def forward(self, backbone, inputs):
        """-> Forward."""

    @abstractmethod
    def guide_entry(self, backbone, pool_batch, device):
        """-> (key features [B, ...], value images [B, 3, g, g]) for a slice of the guide pool."""

    def baselines(self, inputs):
        """-> dict name -> image tensor, each scored against the ground truth."""
        return {}

    def derived_tensors(self, pool):
        """-> dict name -> tensor: tensors exitgraph computes itself from the pack inputs of `pool`
        (the manifest's `predictor.features`), for the export's parity vectors; none by default."""
        return {}

    @abstractmethod
    def export_files(self, backbone, heads, guides, predictor):
        """-> list of ExportFile, in export order."""

    @abstractmethod
    def write_data_files(self, out, data):
        """Write the splits the pack ships (and any other data file) under `out`."""

    @abstractmethod
    def build_manifest(self, args, num_segments, num_exits, guide_count, data):
        """-> the manifest dict."""

    @abstractmethod
    def report_data(self, args, data):
        """-> the `data` section of training-report.json."""
