"""LightGBM -> ONNX with onnxmltools (`label` and `probabilities`; ZipMap unless zipmap=False).

    pip install -r examples/export/requirements.txt
    python examples/export/lightgbm_to_onnx.py --out models/iris-lightgbm
    python examples/export/lightgbm_to_onnx.py --out models/diabetes-lightgbm --regressor
"""
import argparse

from lightgbm import LGBMClassifier, LGBMRegressor
from model_folder import write_model_folder
from onnxmltools.convert import convert_lightgbm
from onnxmltools.convert.common.data_types import FloatTensorType
from sklearn.datasets import load_diabetes, load_iris

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--regressor", action="store_true")
args = parser.parse_args()

data = load_diabetes() if args.regressor else load_iris()
model = (LGBMRegressor if args.regressor else LGBMClassifier)(n_estimators=50, verbose=-1).fit(data.data, data.target)
initial_types = [("features", FloatTensorType([None, data.data.shape[1]]))]
# zipmap=False gives probabilities as a tensor; the server reads either.
onx = convert_lightgbm(model, initial_types=initial_types, target_opset=15, zipmap=False)
write_model_folder(onx, args.out, data.feature_names, classes=None if args.regressor else data.target_names, name="lightgbm", example=data.data[0])
