"""Writes the attention fixtures with Keras itself: each model as .keras and as Keras 3's legacy .h5,
and expected.json (its inputs and Keras' outputs for them). Run with Keras 3.15.1 (JAX backend):
KERAS_BACKEND=jax python make.py"""
import os
import sys

import numpy as np
import keras
from keras import layers, ops

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from keras_written import rnd, save as write  # noqa: E402

rng = np.random.default_rng(20261204)
here = os.path.dirname(os.path.abspath(__file__))
bias = rnd


def save(name, model, inputs):
    write(here, name, model, inputs)


# 1. token ids, an Embedding's mask through self-attention (the fused path: no dropout, rank 3), a residual, a head
ids = keras.Input((7,), dtype="int32", name="ids")
x = layers.Embedding(20, 8, mask_zero=True, name="emb")(ids)
a = layers.MultiHeadAttention(2, 4, bias_initializer=bias(1), name="mha")(x, x)
y = layers.LayerNormalization(name="ln")(layers.Add(name="res")([x, a]))
y = layers.Dense(3, bias_initializer=bias(2), name="head")(y)
tokens = np.array([[3, 5, 7, 1, 9, 2, 4], [6, 2, 8, 0, 0, 0, 0], [11, 0, 0, 0, 0, 0, 0]], np.int32)
save("mha_embedding_mask", keras.Model(ids, y), [tokens])

# 2. cross-attention with dropout (Keras 3's Softmax path), an attention mask with a row all masked, the causal mask
q = keras.Input((5, 6), name="q")
v = keras.Input((4, 5), name="v")
m = keras.Input((5, 4), name="m")
a = layers.MultiHeadAttention(3, 2, value_dim=3, output_shape=7, dropout=0.1, bias_initializer=bias(3),
                              name="mha")(q, v, attention_mask=m, use_causal_mask=True)
mask = (rng.random((2, 5, 4)) > 0.3).astype(np.float32)
mask[0, 2, :] = 0
save("mha_cross_causal", keras.Model([q, v, m], a),
     [rng.standard_normal((2, 5, 6)).astype(np.float32), rng.standard_normal((2, 4, 5)).astype(np.float32), mask])

# 3. attention over the second axis of a rank-4 input, the weights returned too
x = keras.Input((3, 4, 5), name="x")
out, scores = layers.MultiHeadAttention(2, 3, attention_axes=(2,), bias_initializer=bias(4), name="mha")(
    x, x, return_attention_scores=True)
save("mha_axes_scores", keras.Model(x, [out, scores]), [rng.standard_normal((2, 3, 4, 5)).astype(np.float32)])

# 4. Keras 3.15's gate and sliding window
x = keras.Input((6, 5), name="x")
a = layers.MultiHeadAttention(2, 3, use_gate=True, sliding_window=2, bias_initializer=bias(5), name="mha")(x, x)
save("mha_gate_window", keras.Model(x, a), [rng.standard_normal((2, 6, 5)).astype(np.float32)])

# 5. Attention (dot with scale; concat), AdditiveAttention, the inputs' masks from Masking layers
q = keras.Input((4, 6), name="q")
v = keras.Input((5, 6), name="v")
qm = layers.Masking(0.0, name="qmask")(q)
vm = layers.Masking(0.0, name="vmask")(v)
dot = layers.Attention(use_scale=True, name="dot")([qm, vm])
concat = layers.Attention(use_scale=True, score_mode="concat", name="concat")([qm, vm, vm])
additive = layers.AdditiveAttention(name="additive")([qm, vm], use_causal_mask=True)
model = keras.Model([q, v], [dot, concat, additive])
for l in ("dot", "concat"):
    model.get_layer(l).set_weights([np.array(w, np.float32) for w in
                                    ([0.7] if l == "dot" else [0.6, 1.3])])
qv = rng.standard_normal((2, 4, 6)).astype(np.float32)
vv = rng.standard_normal((2, 5, 6)).astype(np.float32)
qv[1, 3, :] = 0  # a padded query
vv[1, 4, :] = 0  # a padded key
vv[1, 3, :] = 0
save("dense_attentions_masked", model, [qv, vv])
