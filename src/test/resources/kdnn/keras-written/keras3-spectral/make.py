"""Writes GAN-style models with SpectralNormalization with Keras itself, after one training-mode call (which
normalizes the kernels and moves vector_u): each model as .keras and as Keras 3's legacy .h5, and expected.json
(its inputs and Keras' outputs for them). Run with Keras 3.15.1 (JAX backend): KERAS_BACKEND=jax python make.py"""
import os
import sys

import numpy as np
import keras
from keras import layers

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from keras_written import rnd, save as write  # noqa: E402

keras.utils.set_random_seed(20261207)
rng = np.random.default_rng(20261207)
here = os.path.dirname(os.path.abspath(__file__))
SN = layers.SpectralNormalization

# 1. a generator: a normalized Dense to a 4x4 map, normalized transposed convolutions up to 16x16, batch norm and
#    leaky relu between them, a tanh image
z = keras.Input((8,), name="z")
h = SN(layers.Dense(4 * 4 * 6, bias_initializer=rnd(1)), name="sn_dense")(z)
h = layers.Reshape((4, 4, 6), name="to_map")(h)
h = SN(layers.Conv2DTranspose(5, 4, strides=2, padding="same", bias_initializer=rnd(2)), name="sn_up1")(h)
h = layers.BatchNormalization(name="bn1")(h)
h = layers.LeakyReLU(0.2, name="lrelu1")(h)
h = SN(layers.Conv2DTranspose(4, 4, strides=2, padding="same", bias_initializer=rnd(3)), power_iterations=2,
       name="sn_up2")(h)
h = SN(layers.Conv2D(3, 3, padding="same", activation="tanh", bias_initializer=rnd(4)), name="sn_out")(h)
g = keras.Model(z, h)
g(rng.standard_normal((4, 8)).astype(np.float32), training=True)  # one training-mode step: kernels normalized
write(here, "generator", g, [rng.standard_normal((2, 8)).astype(np.float32)])

# 2. a discriminator: normalized strided convolutions, a normalized Dense score
img = keras.Input((8, 8, 3), name="image")
d = SN(layers.Conv2D(4, 3, strides=2, padding="same", activation="relu", bias_initializer=rnd(5)), name="sn_c1")(img)
d = SN(layers.Conv2D(6, 3, strides=2, bias_initializer=rnd(6)), name="sn_c2")(d)
d = layers.Flatten(name="flat")(d)
score = SN(layers.Dense(1, bias_initializer=rnd(7)), name="sn_score")(d)
m = keras.Model(img, score)
m(rng.standard_normal((2, 8, 8, 3)).astype(np.float32), training=True)
write(here, "discriminator", m, [rng.standard_normal((2, 8, 8, 3)).astype(np.float32)])
