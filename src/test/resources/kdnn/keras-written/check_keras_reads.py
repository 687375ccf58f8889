"""Checks by hand that Keras itself reads the .keras files kdnn writes: each Keras-written fixture here and each model
under ../shared (models, functional-models) is converted by `./kdnn convert` to .keras, loaded with
keras.models.load_model, run on the fixture's inputs, and compared with the outputs it holds. Needs Keras 3 (e.g.
3.15.1 with JAX) and a built kdnn; run from the repository root:
KERAS_BACKEND=jax python src/test/resources/kdnn/keras-written/check_keras_reads.py"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import keras

here = os.path.dirname(os.path.abspath(__file__))
shared = os.path.join(os.getcwd(), "..", "shared")


def arr(x):
    data = x["values"] if "values" in x else x["data"]
    return np.array([float(v) for v in data], np.float32).reshape(x["shape"])


def cases():
    for expected in sorted(glob.glob(os.path.join(here, "keras3-*", "*", "expected.json"))):
        yield os.path.dirname(expected), os.path.join(os.path.dirname(expected), "model.keras")
    for expected in sorted(glob.glob(os.path.join(shared, "*models", "*", "expected.json"))):
        yield os.path.dirname(expected), os.path.join(os.path.dirname(expected), "model.h5")


failures = 0
with tempfile.TemporaryDirectory() as tmp:
    for folder, source in cases():
        name = os.path.relpath(folder, os.path.dirname(folder) + "/..")
        out = os.path.join(tmp, name.replace("/", "_") + ".keras")
        done = subprocess.run(["./kdnn", "convert", source, out], capture_output=True, text=True)
        if done.returncode != 0:
            print("refused by kdnn", name, done.stdout.strip().splitlines()[-1:] + done.stderr.strip().splitlines()[-1:])
            continue
        e = json.load(open(os.path.join(folder, "expected.json")))
        original = keras.models.load_model(os.path.join(folder, "model.keras"), compile=False)  # the inputs' dtypes
        inputs = [arr(x) for x in (e["inputs"] if "inputs" in e else [e["input"]])]
        inputs = [a.astype(np.int32) if "int" in str(t.dtype) else a for a, t in zip(inputs, original.inputs)]
        outputs = e["outputs"] if "outputs" in e else [e["output"]]
        try:
            got = keras.models.load_model(out, compile=False).predict(inputs, verbose=0)
        except Exception as ex:  # noqa: BLE001 - reported, then counted
            failures += 1
            print("NOT READ", name, str(ex).splitlines()[-1][:200])
            continue
        got = got if isinstance(got, (list, tuple)) else [got]
        diff = max(float(np.max(np.abs(np.asarray(g, np.float32) - arr(w)))) for g, w in zip(got, outputs))
        ok = diff <= 1e-4
        failures += 0 if ok else 1
        print("ok  " if ok else "DIFF", name, diff)
print("failures:", failures)
sys.exit(1 if failures else 0)
