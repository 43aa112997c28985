"""SageMaker inference handlers for the example softmax-linear model (standard library only).

The SageMaker scikit-learn serving container loads this file (SAGEMAKER_PROGRAM) and calls
model_fn once, then input_fn -> predict_fn -> output_fn for every request to /invocations.
"""
import json
import math
import os


def model_fn(model_dir):
    with open(os.path.join(model_dir, "model.json"), encoding="utf-8") as handle:
        return json.load(handle)


def input_fn(body, content_type="application/json"):
    if content_type != "application/json":
        raise ValueError(f"unsupported content type {content_type!r}; send application/json")
    payload = json.loads(body)
    instances = payload["instances"] if isinstance(payload, dict) else payload
    return [[float(value) for value in row] for row in instances]


def predict_fn(rows, model):
    predictions = []
    for row in rows:
        if len(row) != len(model["features"]):
            raise ValueError(f"expected {len(model['features'])} features {model['features']}, got {len(row)}")
        scores = [sum(w * x for w, x in zip(weights, row)) + b for weights, b in zip(model["weights"], model["bias"])]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        probabilities = [e / total for e in exps]
        best = probabilities.index(max(probabilities))
        predictions.append({"label": model["classes"][best], "probabilities": probabilities})
    return predictions


def output_fn(predictions, accept="application/json"):
    return json.dumps({"predictions": predictions})
