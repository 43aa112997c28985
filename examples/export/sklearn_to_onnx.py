"""scikit-learn -> ONNX with skl2onnx: a classifier (with or without ZipMap) or a regressor.

    pip install -r examples/export/requirements.txt
    python examples/export/sklearn_to_onnx.py --out models/iris-sklearn               # LogisticRegression, ZipMap probabilities
    python examples/export/sklearn_to_onnx.py --out models/iris-sklearn --no-zipmap   # probabilities as a float [N, C] tensor
    python examples/export/sklearn_to_onnx.py --out models/diabetes --regressor       # LinearRegression -> {"predictions": [value]}

Replace the training lines with your own model; keep the conversion. Both probability outputs serve
the same answer: the server turns ZipMap's sequence of maps back into the [N, C] tensor it came from.
"""
import argparse

from model_folder import write_model_folder
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--no-zipmap", action="store_true", help="probabilities as a tensor instead of a sequence of maps")
parser.add_argument("--regressor", action="store_true", help="train and export a regressor instead")
args = parser.parse_args()

if args.regressor:
    data = load_diabetes()
    model = make_pipeline(StandardScaler(), LinearRegression()).fit(data.data, data.target)
    classes = None
else:
    data = load_iris()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(data.data, data.target)
    classes = data.target_names  # names for model.classes_ (0, 1, 2), in that order

features = data.feature_names
# One float32 input [N, features]: what the server feeds. None is the batch axis.
initial_types = [("features", FloatTensorType([None, len(features)]))]
options = {id(model.steps[-1][1]): {"zipmap": False}} if args.no_zipmap and not args.regressor else None
onx = convert_sklearn(model, initial_types=initial_types, options=options, target_opset={"": 17, "ai.onnx.ml": 3})
write_model_folder(onx, args.out, features, classes=classes, name="diabetes" if args.regressor else "iris", example=data.data[0])
