"""Writes models of Keras' structures (nested, shared, several outputs, wrappers) and activations with Keras
itself: each model as .keras and as Keras 3's legacy .h5, and expected.json (its inputs and Keras' outputs for
them). Run with Keras 3.15.1 (JAX backend): KERAS_BACKEND=jax python make.py"""
import os
import sys

import numpy as np
import keras
from keras import layers, ops

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from keras_written import rnd, save as write  # noqa: E402

rng = np.random.default_rng(20261208)
here = os.path.dirname(os.path.abspath(__file__))


def save(name, model, inputs):
    write(here, name, model, inputs, bare=True)


# 1. a Sequential around a nested functional base, a shared tower called on two inputs, two outputs
base_in = keras.Input((8, 8, 3))
base_out = layers.Conv2D(4, 3, strides=2, activation="relu", bias_initializer=rnd(1), name="b_conv")(base_in)
base = keras.Model(base_in, base_out, name="base")
tower = keras.Sequential([base, layers.GlobalAveragePooling2D(name="gap"), layers.Dense(3, bias_initializer=rnd(2),
                                                                                         name="proj")], name="tower")
a = keras.Input((8, 8, 3), name="a")
b = keras.Input((8, 8, 3), name="b")
ta, tb = tower(a), tower(b)
dist = layers.Subtract(name="diff")([ta, tb])
both = layers.Concatenate(name="both")([ta, tb])
save("siamese_nested", keras.Model([a, b], [dist, layers.Dense(1, activation="sigmoid", name="same")(both)]),
     [rng.standard_normal((2, 8, 8, 3)).astype(np.float32), rng.standard_normal((2, 8, 8, 3)).astype(np.float32)])

# 2. Bidirectional GRUs in every merge mode, one without a merge and its states
x = keras.Input((5, 3), name="x")
outs = []
for mode in ("sum", "mul", "ave", "concat"):
    outs.append(layers.Bidirectional(layers.GRU(2, bias_initializer=rnd(3)), merge_mode=mode, name="bi_" + mode)(x))
gru = layers.GRU(2, return_sequences=True, return_state=True, bias_initializer=rnd(4))
f, bk, hf, hb = layers.Bidirectional(gru, merge_mode=None, name="bi_none")(x)
save("bidirectional_modes", keras.Model(x, outs + [f, bk, hf, hb]), [rng.standard_normal((2, 5, 3)).astype(np.float32)])

# 3. shape layers and TimeDistributed Dense
x = keras.Input((6, 4), name="x")
h = layers.TimeDistributed(layers.Dense(5, bias_initializer=rnd(5)), name="td")(x)
h = layers.Permute((2, 1), name="perm")(h)
h = layers.ZeroPadding1D((1, 2), name="pad")(h)
h = layers.Cropping1D((2, 1), name="crop")(h)
h = layers.UpSampling1D(2, name="up")(h)
h = layers.Reshape((5, 6, 2), name="reshape")(h)
h = layers.UpSampling2D((2, 1), interpolation="bilinear", name="up2")(h)
h = layers.Conv2D(3, 3, data_format="channels_first", padding="same", bias_initializer=rnd(6), name="cf")(h)
h = layers.Flatten(name="flat")(h)
h = layers.RepeatVector(2, name="rep")(layers.Dense(4, name="d")(h))
save("shapes_timedistributed", keras.Model(x, h), [rng.standard_normal((2, 6, 4)).astype(np.float32)])

# 4. the activations, as layers and as arguments
x = keras.Input((12,), name="x")
outs = []
for i, act in enumerate(["relu6", "gelu", "silu", "selu", "elu", "softplus", "softsign", "mish", "hard_silu",
                         "log_softmax", "exponential", "hard_sigmoid", "leaky_relu", "tanh", "sigmoid", "linear"]):
    outs.append(layers.Dense(3, activation=act, kernel_initializer=rnd(10 + i), bias_initializer=rnd(40 + i),
                             name="d_" + act)(x))
outs.append(layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2, name="relu_args")(x))
outs.append(layers.ELU(alpha=0.7, name="elu_layer")(x))
outs.append(layers.Softmax(name="softmax")(x))
save("activations", keras.Model(x, layers.Concatenate(name="all")(outs)), [rng.standard_normal((3, 12)).astype(np.float32) * 2])

# 5. a top-level Sequential with the layers that do nothing at inference
seq = keras.Sequential([
    keras.Input((12, 12, 1)),
    layers.Rescaling(1 / 255.0, name="scale"),
    layers.Conv2D(6, 3, activation="relu", bias_initializer=rnd(60), name="c1"),
    layers.SpatialDropout2D(0.2, name="sdrop"),
    layers.MaxPooling2D(name="pool"),
    layers.GaussianNoise(0.3, name="noise"),
    layers.Conv2D(8, 3, padding="same", activation="swish", bias_initializer=rnd(61), name="c2"),
    layers.GlobalAveragePooling2D(name="gap"),
    layers.Dropout(0.5, name="drop"),
    layers.ActivityRegularization(l1=0.01, name="reg"),
    layers.Dense(4, activation="softmax", bias_initializer=rnd(62), name="out"),
], name="classifier")
save("sequential_classifier", seq, [rng.uniform(0, 255, (3, 12, 12, 1)).astype(np.float32)])
