"""PyTorch -> ONNX with torch.onnx.export: a classifier that outputs `probabilities`, or a regressor.

    pip install -r examples/export/requirements-torch.txt
    python examples/export/pytorch_to_onnx.py --out models/iris-torch
    python examples/export/pytorch_to_onnx.py --out models/diabetes-torch --regressor

What the server needs from the export: one float32 input with a dynamic batch axis (dynamic_axes), and
for a classifier an output named `probabilities` (softmax applied in the exported module; the label is
the most probable class, named by metadata.json's classes). A regressor's single float output [batch, 1]
is answered as {"predictions": [value]}.
"""
import argparse
import os
import tempfile

import onnx
import torch
from model_folder import write_model_folder
from sklearn.datasets import load_diabetes, load_iris
from sklearn.preprocessing import StandardScaler

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--regressor", action="store_true")
args = parser.parse_args()

data = load_diabetes() if args.regressor else load_iris()
scaler = StandardScaler().fit(data.data)
x = torch.tensor(scaler.transform(data.data), dtype=torch.float32)
y = torch.tensor(data.target, dtype=torch.float32 if args.regressor else torch.long)
features = x.shape[1]
outputs = 1 if args.regressor else len(data.target_names)
net = torch.nn.Sequential(torch.nn.Linear(features, 16), torch.nn.ReLU(), torch.nn.Linear(16, outputs))
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
loss_fn = torch.nn.MSELoss() if args.regressor else torch.nn.CrossEntropyLoss()
for _ in range(500):
    optimizer.zero_grad()
    out = net(x)
    loss = loss_fn(out.squeeze(1), y) if args.regressor else loss_fn(out, y)
    loss.backward()
    optimizer.step()


class Served(torch.nn.Module):
    """Takes raw features (the scaler folded in) and returns what the server answers."""

    def __init__(self):
        super().__init__()
        self.net = net
        self.register_buffer("mean", torch.tensor(scaler.mean_, dtype=torch.float32))
        self.register_buffer("scale", torch.tensor(scaler.scale_, dtype=torch.float32))

    def forward(self, features):
        z = self.net((features - self.mean) / self.scale)
        return z if args.regressor else torch.softmax(z, dim=1)


name = "predictions" if args.regressor else "probabilities"
onnx_path = os.path.join(tempfile.mkdtemp(), "model.onnx")
torch.onnx.export(
    Served().eval(),
    (torch.zeros(1, features),),
    onnx_path,
    input_names=["features"],
    output_names=[name],
    dynamic_axes={"features": {0: "batch"}, name: {0: "batch"}},
    opset_version=17,
)
model = onnx.load(onnx_path)
write_model_folder(model, args.out, data.feature_names, classes=None if args.regressor else data.target_names, name="torch", example=data.data[0])
