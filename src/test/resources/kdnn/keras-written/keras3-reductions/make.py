"""Writes models with Keras 3 reductions (ops.mean, max, min, sum, prod over any axes) with Keras itself: each model
as .keras and as Keras 3's legacy .h5, and expected.json (its inputs and Keras' outputs for them). Run with Keras
3.15.1 (JAX backend): KERAS_BACKEND=jax python make.py"""
import os
import sys

import numpy as np
import keras
from keras import layers, ops

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from keras_written import rnd, save as write  # noqa: E402

keras.utils.set_random_seed(20261206)
rng = np.random.default_rng(20261206)
here = os.path.dirname(os.path.abspath(__file__))


def save(name, model, inputs):
    write(here, name, model, inputs)


# 1. a CBAM block: channel attention from the spatial mean and maximum (a shared MLP), spatial attention from
#    the mean and maximum over the channels (ops.mean / ops.max over axis -1, keepdims) and a 7x7 convolution
x = keras.Input((8, 8, 3), name="image")
f = layers.Conv2D(6, 3, padding="same", activation="relu", bias_initializer=rnd(1), name="conv")(x)
avg = ops.mean(f, axis=(1, 2), keepdims=True)
mx = ops.max(f, axis=(1, 2), keepdims=True)
mlp1 = layers.Dense(3, activation="relu", bias_initializer=rnd(2), name="mlp1")
mlp2 = layers.Dense(6, bias_initializer=rnd(3), name="mlp2")
channel = layers.Activation("sigmoid", name="channel_gate")(layers.Add(name="mlp_sum")([mlp2(mlp1(avg)), mlp2(mlp1(mx))]))
f = layers.Multiply(name="channel_attended")([f, channel])
pooled = layers.Concatenate(name="pooled")([ops.mean(f, axis=-1, keepdims=True), ops.max(f, axis=-1, keepdims=True)])
spatial = layers.Conv2D(1, 7, padding="same", activation="sigmoid", bias_initializer=rnd(4), name="spatial_gate")(pooled)
f = layers.Multiply(name="spatial_attended")([f, spatial])
save("cbam", keras.Model(x, f), [rng.standard_normal((2, 8, 8, 3)).astype(np.float32)])

# 2. every reduction over axes other than the global pooling's: the sum over the steps, the minimum over two
#    axes apart, the product over the channels, the mean over one spatial axis, the maximum with axis -2
x = keras.Input((4, 5, 3), name="x")
outs = [ops.sum(x, axis=1), ops.min(x, axis=(1, 3), keepdims=True), ops.prod(x, axis=-1),
        ops.mean(x, axis=2), ops.max(x, axis=-2, keepdims=True)]
save("reductions", keras.Model(x, outs), [rng.uniform(0.5, 1.5, (2, 4, 5, 3)).astype(np.float32) * np.sign(
    rng.standard_normal((2, 4, 5, 3))).astype(np.float32)])

# 3. ops.pad beyond ZeroPadding: a CIFAR ResNet's option-A shortcut (every other pixel, the channels padded with
#    zeros) added to a strided convolution; a border of 1.5 around the spatial axes; the features of a sequence
x = keras.Input((8, 8, 4), name="image")
y = layers.Conv2D(8, 3, strides=2, padding="same", bias_initializer=rnd(5), name="conv_s2")(x)
shortcut = ops.pad(x[:, ::2, ::2, :], [[0, 0], [0, 0], [0, 0], [2, 2]])
y = layers.Add(name="residual")([y, shortcut])
framed = ops.pad(y, [[0, 0], [1, 2], [0, 1], [0, 0]], constant_values=1.5)
s = keras.Input((5, 3), name="sequence")
s2 = ops.pad(s, [[0, 0], [0, 0], [1, 0]], constant_values=-2.0)
save("pads", keras.Model([x, s], [framed, s2]), [rng.standard_normal((2, 8, 8, 4)).astype(np.float32),
                                               rng.standard_normal((2, 5, 3)).astype(np.float32)])

# 4. attention written out with ops.matmul: scores q @ k^T scaled, a softmax, the weights @ v; and per head (4-D),
#    with a product broadcast over the heads
x = keras.Input((5, 6), name="tokens")
q = layers.Dense(4, bias_initializer=rnd(6), name="q")(x)
k = layers.Dense(4, bias_initializer=rnd(7), name="k")(x)
v = layers.Dense(4, bias_initializer=rnd(8), name="v")(x)
w = layers.Softmax(name="weights")(ops.matmul(q, ops.transpose(k, (0, 2, 1))) * 0.5)
attended = ops.matmul(w, v)
heads = ops.transpose(layers.Reshape((5, 2, 2), name="split_heads")(q), (0, 2, 1, 3))
per_head = ops.matmul(heads, ops.expand_dims(layers.Dense(3, name="mix")(k[:, :2, :]), 1))
save("matmul_attention", keras.Model(x, [attended, per_head]), [rng.standard_normal((2, 5, 6)).astype(np.float32)])

# 5. element-wise functions of constants: ops.clip, ops.power by a float, x ** 3 (an int power), a square root as
#    power 0.5 of the absolute value
x = keras.Input((3, 4), name="x")
outs = [ops.clip(x, -0.5, 1.5), ops.power(x, 2.0), x ** 3, ops.power(ops.absolute(x), 0.5)]
xs = rng.standard_normal((2, 3, 4)).astype(np.float32)
xs[0, 0, 0] = 0.0
save("clip_power", keras.Model(x, outs), [xs])

# 6. more element-wise functions: sign, floor, ceil, round (halves to even), sin, cos, tan, expm1, log1p, erf
x = keras.Input((8,), name="x")
outs = [ops.sign(x), ops.floor(x), ops.ceil(x), ops.round(x), ops.sin(x), ops.cos(x), ops.tan(x), ops.expm1(x),
        ops.log1p(ops.absolute(x)), ops.erf(x)]
xs = np.array([[0.5, 1.5, -2.5, -0.4, 2.7, 0.0, -1.0, 3.14159], rng.uniform(-3, 3, 8)], np.float32)
save("math_functions", keras.Model(x, outs), [xs])
