"""Writes recurrent and masked models with Keras itself: each model as .keras and as Keras 3's legacy .h5,
and expected.json (its inputs and Keras' outputs for them). Run with Keras 3.15.1 (JAX backend):
KERAS_BACKEND=jax python make.py"""
import os
import sys

import numpy as np
import keras
from keras import layers, ops

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from keras_written import rnd, save as write  # noqa: E402

rng = np.random.default_rng(20261206)
here = os.path.dirname(os.path.abspath(__file__))
bias = rnd


def save(name, model, inputs):
    write(here, name, model, inputs)


ids = np.array([[4, 7, 1, 9, 3, 2, 5], [8, 2, 6, 0, 0, 0, 0], [5, 0, 0, 0, 0, 0, 0]], np.int32)

# 1. an Embedding's mask through LSTM sequences, a GRU's last state, a head
x = keras.Input((7,), dtype="int32", name="ids")
h = layers.Embedding(12, 5, mask_zero=True, name="emb")(x)
h = layers.LSTM(4, return_sequences=True, bias_initializer=bias(1), name="lstm")(h)
h = layers.GRU(3, bias_initializer=bias(2), name="gru")(h)
save("mask_lstm_gru", keras.Model(x, layers.Dense(2, name="head")(h)), [ids])

# 2. Masking, a Bidirectional LSTM's sequences (concat), the masked mean
x = keras.Input((6, 3), name="x")
h = layers.Masking(0.0, name="masking")(x)
h = layers.Bidirectional(layers.LSTM(3, return_sequences=True, bias_initializer=bias(3)), name="bi")(h)
h = layers.GlobalAveragePooling1D(name="mean")(h)
xs = rng.standard_normal((3, 6, 3)).astype(np.float32)
xs[1, 4:, :] = 0
xs[2, 1:3, :] = 0
save("masking_bidirectional_mean", keras.Model(x, h), [xs])

# 3. two Embeddings' masks merged by Add (Keras 3 keeps a step any mask keeps), a SimpleRNN, backwards
a = keras.Input((7,), dtype="int32", name="a")
b = keras.Input((7,), dtype="int32", name="b")
ea = layers.Embedding(12, 4, mask_zero=True, name="ea")(a)
eb = layers.Embedding(12, 4, mask_zero=True, name="eb")(b)
h = layers.Add(name="add")([ea, eb])
h = layers.SimpleRNN(3, activation="relu", go_backwards=True, return_sequences=True, bias_initializer=bias(4),
                     name="rnn")(h)
ids_b = np.array([[1, 2, 3, 4, 0, 0, 0], [3, 3, 3, 3, 3, 3, 0], [0, 0, 0, 0, 0, 0, 0]], np.int32)
save("merged_masks_simple_rnn", keras.Model([a, b], h), [ids, ids_b])

# 4. seq2seq: an encoder LSTM's states start the decoder LSTM (initial_state)
enc_in = keras.Input((None, 4), name="encoder_inputs")
_, sh, sc = layers.LSTM(5, return_state=True, bias_initializer=bias(5), name="encoder")(enc_in)
dec_in = keras.Input((None, 3), name="decoder_inputs")
dec = layers.LSTM(5, return_sequences=True, bias_initializer=bias(6), name="decoder")(dec_in, initial_state=[sh, sc])
out = layers.Dense(3, activation="softmax", name="out")(dec)
save("seq2seq_initial_state", keras.Model([enc_in, dec_in], out),
     [rng.standard_normal((2, 6, 4)).astype(np.float32), rng.standard_normal((2, 5, 3)).astype(np.float32)])

# 5. GRU without reset_after, hard_sigmoid gates (Keras 3's), its states returned
x = keras.Input((5, 4), name="x")
o, s = layers.GRU(3, reset_after=False, recurrent_activation="hard_sigmoid", return_state=True,
                  bias_initializer=bias(7), name="gru")(x)
save("gru_reset_before_states", keras.Model(x, [o, s]), [rng.standard_normal((2, 5, 4)).astype(np.float32)])

# 6. the mask rules: a Conv1D drops it, TimeDistributed passes it, Concatenate merges two
ids_in = keras.Input((7,), dtype="int32", name="ids")
e = layers.Embedding(12, 4, mask_zero=True, name="emb")(ids_in)
dropped = layers.LSTM(2, name="after_conv")(layers.Conv1D(3, 2, padding="same", name="conv")(e))
passed = layers.GRU(2, name="after_td")(layers.TimeDistributed(layers.Dense(3, bias_initializer=bias(8)), name="td")(e))
m2 = layers.Masking(0.0, name="masking")(layers.Dense(2, name="dense")(e))
cat = layers.Concatenate(name="cat")([e, m2])
merged = layers.SimpleRNN(2, name="after_cat")(cat)
save("mask_rules", keras.Model(ids_in, [dropped, passed, merged]), [ids])

# 7. more merges of masks: Subtract and Average, a Masking's mask through a Dense into an LSTM, a Bidirectional GRU averaged
a_in = keras.Input((7,), dtype="int32", name="a")
b_in = keras.Input((7,), dtype="int32", name="b")
ea = layers.Embedding(12, 4, mask_zero=True, name="ea")(a_in)
eb = layers.Embedding(12, 4, mask_zero=True, name="eb")(b_in)
sub = layers.Subtract(name="sub")([ea, eb])
ave = layers.Average(name="ave")([ea, eb])
s_out = layers.LSTM(2, bias_initializer=bias(9), name="after_sub")(layers.Dense(3, name="proj")(sub))
a_out = layers.Bidirectional(layers.GRU(2, bias_initializer=bias(10)), merge_mode="ave", name="bi_ave")(ave)
save("merge_masks_more", keras.Model([a_in, b_in], [s_out, a_out]), [ids, ids_b])

# 8. a masked Bidirectional encoder returning its states, joined to start a decoder; a backwards SimpleRNN's state
enc = keras.Input((6, 3), name="enc")
dec = keras.Input((4, 2), name="dec")
masked = layers.Masking(0.0, name="enc_mask")(enc)
_, fh, fc, bh, bc = layers.Bidirectional(layers.LSTM(3, return_state=True, bias_initializer=bias(11)),
                                         name="encoder")(masked)
h0 = layers.Concatenate(name="h0")([fh, bh])
c0 = layers.Concatenate(name="c0")([fc, bc])
d = layers.LSTM(6, return_sequences=True, bias_initializer=bias(12), name="decoder")(dec, initial_state=[h0, c0])
r, rs = layers.SimpleRNN(2, go_backwards=True, return_state=True, bias_initializer=bias(13), name="rnn_back")(dec)
xs = rng.standard_normal((3, 6, 3)).astype(np.float32)
xs[1, 4:, :] = 0
xs[2, 2:, :] = 0
save("bidirectional_states_decoder", keras.Model([enc, dec], [d, r, rs]),
     [xs, rng.standard_normal((3, 4, 2)).astype(np.float32)])
