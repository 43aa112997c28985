"""Writes the folder `modelArtifact` points at: model.onnx and metadata.json, then checks it.

Used by every recipe here. The reference server reads metadata.json for the feature names (rows may be
sent as objects keyed by them), the class names (in the order of the probabilities) and one example
row (the plan shows it as the request body).
"""
import json
import os


def write_model_folder(onnx_model, out_dir, features, classes=None, name="model", example=None):
    os.makedirs(out_dir, exist_ok=True)
    model_path = os.path.join(out_dir, "model.onnx")
    with open(model_path, "wb") as f:
        f.write(onnx_model.SerializeToString())
    metadata = {"name": name, "version": "1", "format": "onnx", "features": [str(f) for f in features]}
    if classes is not None:
        metadata["classes"] = [str(c) for c in classes]
    if example is not None:
        metadata["example"] = [float(v) for v in example]
    with open(os.path.join(out_dir, "metadata.json"), "w") as f:
        json.dump(metadata, f, indent=2)
        f.write("\n")
    check_with_onnxruntime(model_path, len(features), example)
    print(f"wrote {out_dir}/ (model.onnx, metadata.json)")
    print(f"next: pulumi config set modelArtifact {out_dir}   (check it offline: npm run plan -- --stack dev)")


def check_with_onnxruntime(model_path, feature_count, example=None):
    """Runs one row through onnxruntime, as the server will; skipped when onnxruntime is not installed."""
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError:
        print("onnxruntime is not installed: skipped the check (pip install onnxruntime)")
        return
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    inputs = session.get_inputs()
    if len(inputs) != 1:
        raise SystemExit(f"{model_path} takes {len(inputs)} inputs; the server feeds one float32 [N, {feature_count}] tensor")
    row = np.asarray([example if example is not None else [0.0] * feature_count], dtype=np.float32)
    outputs = session.run(None, {inputs[0].name: row})
    for meta, value in zip(session.get_outputs(), outputs):
        shown = value[:1] if hasattr(value, "shape") else value
        print(f"  output {meta.name} {meta.type} {meta.shape}: {shown}")
