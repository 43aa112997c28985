"""A pickled model (pickle or joblib: scikit-learn, XGBoost or LightGBM) -> a folder the server serves.

    pip install -r examples/export/requirements.txt
    python examples/export/export_pickle.py model.pkl --out model-onnx [--classes a,b,c] [--features f1,f2,...]

Run it where the model was trained, with the same library versions (unpickling needs them). Only
unpickle files you trust: loading a pickle runs code.
"""
import argparse
import pickle

from model_folder import write_model_folder

parser = argparse.ArgumentParser()
parser.add_argument("pickle")
parser.add_argument("--out", required=True)
parser.add_argument("--classes", help="class names in the order of model.classes_ (default: the classes themselves)")
parser.add_argument("--features", help="feature names, comma-separated (default: the model's, else f0, f1, ...)")
args = parser.parse_args()

try:
    import joblib

    model = joblib.load(args.pickle)
except ImportError:
    with open(args.pickle, "rb") as f:
        model = pickle.load(f)

count = getattr(model, "n_features_in_", None) or getattr(model, "n_features_", None)
if count is None:
    raise SystemExit(f"{args.pickle}: cannot tell how many features the model takes; pass --features")
names = args.features.split(",") if args.features else [str(n) for n in getattr(model, "feature_names_in_", [])] or [f"f{i}" for i in range(count)]
classes = args.classes.split(",") if args.classes else getattr(model, "classes_", None)
module = type(model).__module__.split(".")[0]

if module == "xgboost":
    from onnxmltools.convert import convert_xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType

    onx = convert_xgboost(model, initial_types=[("features", FloatTensorType([None, count]))], target_opset=15)
elif module == "lightgbm":
    from onnxmltools.convert import convert_lightgbm
    from onnxmltools.convert.common.data_types import FloatTensorType

    onx = convert_lightgbm(model, initial_types=[("features", FloatTensorType([None, count]))], target_opset=15, zipmap=False)
else:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    onx = convert_sklearn(model, initial_types=[("features", FloatTensorType([None, count]))], target_opset={"": 17, "ai.onnx.ml": 3})

write_model_folder(onx, args.out, names, classes=classes, name="model")
