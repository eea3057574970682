"""The weights exporter, run on a stand-in with the official package's module layout, must
write back exactly the shared files (same names, order, shapes, bytes)."""
import json

import torch.nn as nn

from exitgraph_training.export_lpips_weights import collect_tensors, write_folder
from exitgraph_training.lpips import LPIPS

SLICES = {"alex": [(0, 2), (2, 5), (5, 8), (8, 10), (10, 12)],
          "squeeze": [(0, 2), (2, 5), (5, 8), (8, 10), (10, 11), (11, 12), (12, 13)]}


class _OfficialLayout(nn.Module):
    """Mimics lpips.LPIPS: net.slice1..K keep torchvision indices; linI.model = [Dropout, Conv]."""

    def __init__(self, ours, net):
        super().__init__()
        self.net = nn.Module()
        for k, (a, b) in enumerate(SLICES[net], 1):
            s = nn.Sequential()
            for i in range(a, b):
                s.add_module(str(i), ours.features[i])
            setattr(self.net, f"slice{k}", s)
        lins = []
        for i, lin in enumerate(ours.lins):
            layer = nn.Module()
            layer.model = nn.Sequential(nn.Dropout(), lin)
            setattr(self, f"lin{i}", layer)
            lins.append(layer)
        self.lins = nn.ModuleList(lins)


def test_exporter_reproduces_the_shared_files(weights_dir, tmp_path):
    for net in ("alex", "squeeze"):
        fake = _OfficialLayout(LPIPS(net, weights_dir), net)
        write_folder(collect_tensors(fake), tmp_path, net)
        name = f"lpips_{net}_v0.1.f32"
        assert (tmp_path / f"{name}.bin").read_bytes() == (weights_dir / f"{name}.bin").read_bytes()
        ours = json.loads((tmp_path / f"{name}.json").read_text())
        shared = json.loads((weights_dir / f"{name}.json").read_text())
        assert ours == shared
