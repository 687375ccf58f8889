"""Writes models of the layers around the convolutions and of Keras 3 operations with Keras itself: each
model as .keras and as Keras 3's legacy .h5, and expected.json (its inputs and Keras' outputs for them).
Run with Keras 3.15.1 (JAX backend): KERAS_BACKEND=jax python make.py"""
import os
import sys

import numpy as np
import keras
from keras import layers, ops

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from keras_written import rnd, save as write  # noqa: E402

rng = np.random.default_rng(20261207)
here = os.path.dirname(os.path.abspath(__file__))


def save(name, model, inputs):
    write(here, name, model, inputs)


# 1. an image front: x / 127.5 - 1, channel flip, TimeDistributed-free convolutions of the families, norms
x = keras.Input((9, 9, 3), name="img")
h = x / 127.5 - 1.0
h = h[..., ::-1]
h = layers.Conv2D(4, 3, padding="same", activation="relu", bias_initializer=rnd(1), name="conv")(h)
h = layers.GroupNormalization(2, beta_initializer=rnd(2), gamma_initializer=rnd(3), name="gn")(h)
h = layers.DepthwiseConv2D(3, strides=2, bias_initializer=rnd(4), name="dw")(h)
h = layers.SeparableConv2D(5, 2, padding="same", activation="elu", bias_initializer=rnd(5), name="sep")(h)
h = layers.Conv2DTranspose(3, 3, strides=2, bias_initializer=rnd(6), name="tconv")(h)
h = layers.LayerNormalization(axis=[1, 2, 3], name="ln")(h)
h = layers.PReLU(alpha_initializer=rnd(7), shared_axes=[1, 2], name="prelu")(h)
h = layers.UnitNormalization(name="unit")(h)
y = layers.Dense(2, activation="softmax", name="head")(layers.GlobalMaxPooling2D(name="gmp")(h))
save("image_front_norms", keras.Model(x, y), [rng.uniform(0, 255, (2, 9, 9, 3)).astype(np.float32)])

# 2. audio: Conv1D causal, a gated linear unit by ops.split, SeparableConv1D, DepthwiseConv1D, Conv1DTranspose
x = keras.Input((16, 4), name="wave")
h = layers.Conv1D(8, 3, padding="causal", dilation_rate=2, bias_initializer=rnd(8), name="causal")(x)
a, b = ops.split(h, 2, axis=-1)
h = a * ops.sigmoid(b)
h = layers.SeparableConv1D(6, 3, depth_multiplier=2, padding="same", bias_initializer=rnd(9), name="sep1")(h)
h = layers.DepthwiseConv1D(3, depth_multiplier=1, bias_initializer=rnd(10), name="dw1")(h)
h = layers.Conv1DTranspose(3, 4, strides=2, padding="same", bias_initializer=rnd(11), name="tconv1")(h)
h = layers.LeakyReLU(negative_slope=0.1, name="leaky")(h)
save("audio_glu", keras.Model(x, h), [rng.standard_normal((2, 16, 4)).astype(np.float32)])

# 3. video: TimeDistributed Conv2D, Conv3D and its transpose, BatchNormalization, ops.mean over the steps and space, RMS norm
x = keras.Input((4, 6, 6, 2), name="clip")
h = layers.TimeDistributed(layers.Conv2D(3, 3, padding="same", bias_initializer=rnd(12)), name="td")(x)
h = layers.Conv3D(4, 2, bias_initializer=rnd(13), name="c3")(h)
h = layers.BatchNormalization(beta_initializer=rnd(14), moving_mean_initializer=rnd(15), name="bn")(h)
h = layers.Conv3DTranspose(2, 2, strides=(1, 2, 2), bias_initializer=rnd(16), name="t3")(h)
h = ops.mean(h, axis=(1, 2, 3))
h = layers.RMSNormalization(name="rms")(h)
save("video_td_3d", keras.Model(x, h), [rng.standard_normal((2, 4, 6, 6, 2)).astype(np.float32)])

# 4. preprocessing inside a model: Resizing (bilinear, crop), CenterCrop, Rescaling, Normalization, Dot
x = keras.Input((7, 10, 3), name="photo")
r = layers.Resizing(5, 6, crop_to_aspect_ratio=True, name="resize")(x)
c = layers.CenterCrop(4, 4, name="crop")(r)
c = layers.Rescaling(1 / 255.0, offset=-0.5, name="rescale")(c)
c = layers.Normalization(mean=[0.1, 0.2, 0.3], variance=[0.5, 1.0, 2.0], name="norm")(c)
f = layers.Reshape((16, 3), name="flat")(c)
d = layers.Dot(axes=2, normalize=True, name="cos")([f, f])
s = layers.Softmax(axis=-1, name="softmax")(d)
save("preprocessing_dot", keras.Model(x, s), [rng.uniform(0, 255, (2, 7, 10, 3)).astype(np.float32)])

# 5. channels_first and 3D: convolutions, pooling, padding, cropping, upsampling, flatten in both orders
x = keras.Input((2, 6, 6, 6), name="vol")
h = layers.Conv3D(3, 3, padding="same", data_format="channels_first", bias_initializer=rnd(20), name="c3f")(x)
h = layers.ZeroPadding3D(((1, 0), (0, 1), (1, 1)), data_format="channels_first", name="pad3")(h)
h = layers.Cropping3D(((0, 1), (1, 0), (1, 1)), data_format="channels_first", name="crop3")(h)
h = layers.AveragePooling3D(2, data_format="channels_first", name="avg3")(h)
h = layers.UpSampling3D((1, 2, 1), data_format="channels_first", name="up3")(h)
f = layers.Flatten(data_format="channels_first", name="flat_cf")(h)
g = layers.GlobalMaxPooling3D(data_format="channels_first", keepdims=True, name="gmp3")(h)
save("channels_first_3d", keras.Model(x, [f, layers.Reshape((-1,), name="rs")(g)]),
     [rng.standard_normal((2, 2, 6, 6, 6)).astype(np.float32)])

# 6. a text CNN with an adapted Normalization in front of a numeric branch
ids = keras.Input((9,), dtype="int32", name="ids")
num = keras.Input((4,), name="num")
e = layers.Embedding(30, 6, name="emb")(ids)
c = layers.Conv1D(5, 3, activation="relu", bias_initializer=rnd(21), name="tconv")(e)
c = layers.GlobalMaxPooling1D(name="tpool")(c)
norm = layers.Normalization(axis=-1, name="norm")
norm.adapt(rng.standard_normal((50, 4)).astype(np.float32) * 3 + 1)
n = layers.Dense(3, activation="tanh", name="nd")(norm(num))
y = layers.Dense(2, activation="softmax", name="out")(layers.Concatenate(name="join")([c, n]))
save("text_cnn_adapted_norm", keras.Model([ids, num], y),
     [rng.integers(0, 30, (3, 9)).astype(np.int32), rng.standard_normal((3, 4)).astype(np.float32)])

# 7. Keras 3 operations kdnn reads: reshaping, stacking, padding, flips and the element-wise functions
x = keras.Input((4, 6), name="t")
h = ops.reshape(x, (-1, 6, 4))
h = ops.transpose(h, (0, 2, 1))
h = ops.concatenate([h, ops.flip(h, axis=1)], axis=-1)
h = ops.pad(h, ((0, 0), (1, 2), (0, 0)))
h = ops.expand_dims(h, axis=-1)
h = ops.squeeze(h, axis=-1)
h = ops.stack([ops.relu(h), ops.tanh(h), ops.sigmoid(h), ops.softplus(h), ops.silu(h), ops.leaky_relu(h, 0.3)], axis=1)
h = ops.abs(h) + 1.0
h = ops.sqrt(h) * ops.log(h) - ops.rsqrt(h) / 2.0 + ops.reciprocal(h) + ops.square(h) * 0.1
h = ops.exp(-h) + ops.negative(ops.gelu(h, approximate=False))
h = ops.softmax(h, axis=-1)
h = ops.max(h, axis=(1, 2), keepdims=False) + ops.mean(h, axis=(1, 2))
save("keras3_ops", keras.Model(x, h), [rng.standard_normal((2, 4, 6)).astype(np.float32)])

# 8. more preprocessing and pooling: Resizing nearest with padding to the aspect ratio, a CenterCrop that resizes,
# random layers (identity at inference), channels_first pooling and padding, LayerNormalization's rms_scaling
x = keras.Input((6, 9, 2), name="pic")
a = layers.Resizing(4, 4, interpolation="nearest", pad_to_aspect_ratio=True, fill_value=0.5, name="resize_n")(x)
b = layers.CenterCrop(8, 10, name="grow")(x)
b = layers.RandomFlip(name="flip")(b)
b = layers.RandomRotation(0.2, name="rot")(b)
b = layers.AveragePooling2D(3, strides=2, padding="same", name="avg_same")(b)
b = layers.Resizing(4, 4, name="resize_b")(b)
h = layers.Concatenate(name="cat")([a, b])
h = layers.Permute((3, 1, 2), name="to_cf")(h)
h = layers.ZeroPadding2D(((1, 0), (0, 1)), data_format="channels_first", name="pad_cf")(h)
h = layers.MaxPooling2D(2, data_format="channels_first", name="pool_cf")(h)
h = layers.Reshape((4, 4), name="seq")(h)
h = layers.LayerNormalization(rms_scaling=True, name="rms_ln")(h)
h = layers.GlobalAveragePooling1D(data_format="channels_first", keepdims=True, name="gap_cf")(h)
h = layers.Identity(name="id")(h)
save("preprocessing_pooling_more", keras.Model(x, h), [rng.uniform(0, 1, (2, 6, 9, 2)).astype(np.float32)])
