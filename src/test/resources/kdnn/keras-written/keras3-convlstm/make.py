"""Writes the convolutional LSTM fixtures with Keras itself: each model as .keras and as Keras 3's legacy
.h5, and expected.json (its inputs and Keras' outputs for them). Run with Keras 3.15.1 (JAX backend):
KERAS_BACKEND=jax python make.py"""
import os
import sys

import numpy as np
import keras
from keras import layers, ops

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from keras_written import rnd, save as write  # noqa: E402

rng = np.random.default_rng(20261205)
here = os.path.dirname(os.path.abspath(__file__))
bias = rnd


def save(name, model, inputs):
    write(here, name, model, inputs)


# 1. ConvLSTM2D, "same", every step's state
x = keras.Input((4, 6, 6, 2), name="x")
y = layers.ConvLSTM2D(3, 3, padding="same", return_sequences=True, bias_initializer=bias(1), name="clstm")(x)
save("convlstm2d_same_sequences", keras.Model(x, y), [rng.standard_normal((2, 4, 6, 6, 2)).astype(np.float32)])

# 2. ConvLSTM2D, strided "valid", backwards, its states returned, relu and hard_sigmoid
x = keras.Input((5, 7, 6, 3), name="x")
out, h, c = layers.ConvLSTM2D(2, (3, 2), strides=2, activation="relu", recurrent_activation="hard_sigmoid",
                              go_backwards=True, return_state=True, bias_initializer=bias(2), name="clstm")(x)
save("convlstm2d_strided_backwards_states", keras.Model(x, [out, h, c]),
     [rng.standard_normal((2, 5, 7, 6, 3)).astype(np.float32)])

# 3. ConvLSTM1D, dilated, channels_first, sequences
x = keras.Input((4, 3, 9), name="x")
y = layers.ConvLSTM1D(4, 3, dilation_rate=2, data_format="channels_first", return_sequences=True,
                      bias_initializer=bias(3), name="clstm")(x)
save("convlstm1d_dilated_channels_first", keras.Model(x, y), [rng.standard_normal((2, 4, 3, 9)).astype(np.float32)])

# 4. ConvLSTM3D, "same", the last state, then a head
x = keras.Input((3, 4, 4, 4, 1), name="x")
y = layers.ConvLSTM3D(2, 2, padding="same", bias_initializer=bias(4), name="clstm")(x)
y = layers.Dense(3, name="head")(layers.GlobalAveragePooling3D(name="pool")(y))
save("convlstm3d_same_last", keras.Model(x, y), [rng.standard_normal((2, 3, 4, 4, 4, 1)).astype(np.float32)])
