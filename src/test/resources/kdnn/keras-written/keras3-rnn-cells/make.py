"""Writes models of Keras' RNN layer over its cells with Keras itself: each model as .keras and as Keras 3's legacy
.h5, and expected.json (its inputs and Keras' outputs for them). Run with Keras 3.15.1 (JAX backend):
KERAS_BACKEND=jax python make.py"""
import os
import sys

import numpy as np
import keras
from keras import layers

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from keras_written import rnd, save as write  # noqa: E402

keras.utils.set_random_seed(20261204)
rng = np.random.default_rng(20261204)
here = os.path.dirname(os.path.abspath(__file__))


def save(name, model, inputs):
    write(here, name, model, inputs)


ids = np.array([[4, 7, 1, 9, 3, 2, 5], [8, 2, 6, 0, 0, 0, 0], [5, 0, 0, 0, 0, 0, 0]], np.int32)

# 1. an Embedding's mask through RNN(LSTMCell) sequences, a backwards RNN(GRUCell) without reset_after, a head
x = keras.Input((7,), dtype="int32", name="ids")
h = layers.Embedding(12, 5, mask_zero=True, name="emb")(x)
h = layers.RNN(layers.LSTMCell(4, bias_initializer=rnd(1), name="my_lstm_cell"), return_sequences=True,
               name="rnn_lstm")(h)
h = layers.RNN(layers.GRUCell(3, reset_after=False, bias_initializer=rnd(2)), go_backwards=True, name="rnn_gru")(h)
save("masked_cells", keras.Model(x, layers.Dense(2, name="head")(h)), [ids])

# 2. seq2seq: an RNN(LSTMCell)'s states start an RNN(SimpleRNNCell relu)'s... and a Bidirectional RNN(GRUCell)
enc_in = keras.Input((None, 4), name="encoder_inputs")
_, sh, sc = layers.RNN(layers.LSTMCell(5, bias_initializer=rnd(3)), return_state=True, name="encoder")(enc_in)
dec_in = keras.Input((None, 3), name="decoder_inputs")
dec = layers.RNN(layers.LSTMCell(5, bias_initializer=rnd(4)), return_sequences=True, name="decoder")(
    dec_in, initial_state=[sh, sc])
bi = layers.Bidirectional(layers.RNN(layers.GRUCell(3, bias_initializer=rnd(5)), return_sequences=True),
                          merge_mode="sum", name="bi")(dec)
s = layers.RNN(layers.SimpleRNNCell(2, activation="relu", bias_initializer=rnd(6)), name="simple")(bi)
save("states_bidirectional", keras.Model([enc_in, dec_in], [dec, s]),
     [rng.standard_normal((2, 6, 4)).astype(np.float32), rng.standard_normal((2, 5, 3)).astype(np.float32)])

# 3. stacked cells: RNN([LSTMCell, GRUCell, SimpleRNNCell]) over Masking, sequences; and backwards, the last step
x = keras.Input((6, 3), name="x")
h = layers.Masking(0.0, name="masking")(x)
a = layers.RNN([layers.LSTMCell(4, bias_initializer=rnd(7)), layers.GRUCell(3, bias_initializer=rnd(8)),
                layers.SimpleRNNCell(2, bias_initializer=rnd(9))], return_sequences=True, name="stack")(h)
b = layers.RNN([layers.GRUCell(3, bias_initializer=rnd(10)), layers.GRUCell(2, bias_initializer=rnd(11))],
               go_backwards=True, name="stack_back")(h)
c = layers.RNN([layers.LSTMCell(3, bias_initializer=rnd(12)), layers.LSTMCell(2, bias_initializer=rnd(13))],
               go_backwards=True, return_sequences=True, zero_output_for_mask=True, name="stack_back_seq")(h)
xs = rng.standard_normal((3, 6, 3)).astype(np.float32)
xs[1, 4:, :] = 0
xs[2, 1:3, :] = 0
save("stacked_cells", keras.Model(x, [a, b, c]), [xs])

# 4. a stack's last states (return_state: the last cell's output, then each cell's states in the stack's order, as
#    Keras 3 flattens [output, [h, c], h]), under Masking, forward and backward with every step
x = keras.Input((6, 3), name="x")
h = layers.Masking(0.0, name="masking")(x)
out, (h1, c1), h2 = layers.RNN([layers.LSTMCell(3, bias_initializer=rnd(14)), layers.GRUCell(2, bias_initializer=rnd(15))],
                               return_state=True, name="stack_states")(h)
seq, g1, g2 = layers.RNN([layers.GRUCell(2, bias_initializer=rnd(16)), layers.SimpleRNNCell(3, bias_initializer=rnd(17))],
                         return_state=True, return_sequences=True, go_backwards=True, name="stack_back_states")(h)
head = layers.Dense(2, name="head")(layers.Concatenate(name="states")([h1, c1, h2]))
xs = rng.standard_normal((3, 6, 3)).astype(np.float32)
xs[1, 4:, :] = 0
xs[2, 1:3, :] = 0
save("stacked_states", keras.Model(x, [out, head, seq, g1, g2]), [xs])

# 5. a stacked seq2seq: an encoder stack's states (LSTMCell's [h, c], GRUCell's h) start a decoder stack
e = keras.Input((5, 3), name="encoder_inputs")
_, (eh, ec), eg = layers.RNN([layers.LSTMCell(3, bias_initializer=rnd(18)), layers.GRUCell(2, bias_initializer=rnd(19))],
                             return_state=True, name="encoder")(e)
d = keras.Input((4, 2), name="decoder_inputs")
y = layers.RNN([layers.LSTMCell(3, bias_initializer=rnd(20)), layers.GRUCell(2, bias_initializer=rnd(21))],
               return_sequences=True, name="decoder")(d, initial_state=[[eh, ec], eg])
save("stacked_initial_state", keras.Model([e, d], y),
     [rng.standard_normal((2, 5, 3)).astype(np.float32), rng.standard_normal((2, 4, 2)).astype(np.float32)])
