"""XGBoost -> ONNX with onnxmltools (outputs `label` int64 [N] and `probabilities` float [N, C]).

    pip install -r examples/export/requirements.txt
    python examples/export/xgboost_to_onnx.py --out models/iris-xgboost
    python examples/export/xgboost_to_onnx.py --out models/diabetes-xgboost --regressor

Train on a plain array or rename DataFrame columns to f0, f1, ...: onnxmltools reads XGBoost's
feature names and expects f<i>.
"""
import argparse

from model_folder import write_model_folder
from onnxmltools.convert import convert_xgboost
from onnxmltools.convert.common.data_types import FloatTensorType
from sklearn.datasets import load_diabetes, load_iris
from xgboost import XGBClassifier, XGBRegressor

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--regressor", action="store_true")
args = parser.parse_args()

data = load_diabetes() if args.regressor else load_iris()
model = (XGBRegressor if args.regressor else XGBClassifier)(n_estimators=50, max_depth=3).fit(data.data, data.target)
onx = convert_xgboost(model, initial_types=[("features", FloatTensorType([None, data.data.shape[1]]))], target_opset=15)
write_model_folder(onx, args.out, data.feature_names, classes=None if args.regressor else data.target_names, name="xgboost", example=data.data[0])
