"""Writes models of EinsumDense with Keras itself: each model as .keras and as Keras 3's legacy .h5, and
expected.json (its inputs and Keras' outputs for them). Run with Keras 3.15.1 (JAX backend):
KERAS_BACKEND=jax python make.py"""
import os
import sys

import numpy as np
import keras
from keras import layers

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from keras_written import rnd, save as write  # noqa: E402

keras.utils.set_random_seed(20261205)
rng = np.random.default_rng(20261205)
here = os.path.dirname(os.path.abspath(__file__))


def save(name, model, inputs):
    write(here, name, model, inputs)


# 1. a transformer block's projections: features to heads ("abc,cde->abde"), heads back ("abcd,cde->abe"),
#    a dense over the last axis with relu ("abc,cd->abd"), and the left ellipsis with a softmax
x = keras.Input((5, 8), name="tokens")
q = layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de", bias_initializer=rnd(1),
                       name="to_heads")(x)
o = layers.EinsumDense("abcd,cde->abe", output_shape=(None, 6), bias_axes="e", bias_initializer=rnd(2),
                       name="from_heads")(q)
h = layers.EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d", activation="relu",
                       bias_initializer=rnd(3), name="dense_relu")(o)
s = layers.EinsumDense("...b,bc->...c", output_shape=3, bias_axes="c", activation="softmax", bias_initializer=rnd(4),
                       name="ellipsis_softmax")(h)
save("projections", keras.Model(x, [q, s]), [rng.standard_normal((2, 5, 8)).astype(np.float32)])

# 2. contractions that need reorders: a transposed output with its bias along rows, a kernel with a batch
#    axis (every step its own matrix), an input axis summed, the right ellipsis, no bias
x = keras.Input((4, 6), name="x")
t = layers.EinsumDense("abc,cd->adb", output_shape=(3, 4), bias_axes="b", activation="sigmoid",
                       bias_initializer=rnd(5), name="transposed")(x)
p = layers.EinsumDense("abc,bcd->abd", output_shape=(4, 5), bias_axes="bd", bias_initializer=rnd(6),
                       name="per_step")(x)
m = layers.EinsumDense("abc,cd->ad", output_shape=7, bias_axes="d", bias_initializer=rnd(7), name="summed")(x)
r = layers.EinsumDense("ab...,bc->ac...", output_shape=(2,), bias_axes="c", activation="tanh",
                       bias_initializer=rnd(8), name="right_ellipsis")(x)
n = layers.EinsumDense("abc,cd->abd", output_shape=(4, 3), name="no_bias")(x)
save("reordered", keras.Model(x, [t, p, m, r, n]), [rng.standard_normal((3, 4, 6)).astype(np.float32)])
