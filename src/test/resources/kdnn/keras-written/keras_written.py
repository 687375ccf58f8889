"""What the make.py scripts beside this file share: writing a model as Keras saves it, with Keras' outputs.
Each writes with Keras 3.15.1 on its JAX backend: KERAS_BACKEND=jax python make.py"""
import json
import os

import numpy as np
import keras


def rnd(seed):
    """A bias initializer that makes biases worth checking (Keras' default is zeros)."""
    return keras.initializers.RandomNormal(stddev=0.5, seed=seed)


def save(here, name, model, inputs, h5=True, bare=False):
    """Writes here/name/: model.keras, model.h5 (Keras 3's legacy HDF5), with bare also model.json
    (model.to_json()) and model.weights.h5 (save_weights), and expected.json: the inputs and Keras'
    outputs for them."""
    os.makedirs(os.path.join(here, name), exist_ok=True)
    outputs = model.predict(inputs, verbose=0)
    if not isinstance(outputs, list):
        outputs = [outputs]
    model.save(os.path.join(here, name, "model.keras"))
    if h5:
        model.save(os.path.join(here, name, "model.h5"))
    if bare:
        with open(os.path.join(here, name, "model.json"), "w") as f:
            f.write(model.to_json())
        model.save_weights(os.path.join(here, name, "model.weights.h5"))
    with open(os.path.join(here, name, "expected.json"), "w") as f:
        json.dump({"keras_version": keras.__version__, "backend": keras.backend.backend(),
                   "inputs": [{"shape": list(x.shape), "values": np.asarray(x, np.float32).ravel().tolist()}
                              for x in inputs],
                   "outputs": [{"shape": list(y.shape), "values": np.asarray(y, np.float32).ravel().tolist()}
                               for y in outputs]}, f)
