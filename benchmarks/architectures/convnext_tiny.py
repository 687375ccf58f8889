#!/usr/bin/env python3
"""Writes convnext_tiny.json: keras.applications.ConvNeXtTiny(weights=None) as tf.keras 2.12's
model.to_json() writes it (the form of ../../../shared/architectures), from keras.applications'
convnext.py as read: the Normalization pre-stem, the stem and downsampling blocks as nested
Sequential models, each block's residual sum `inputs + x` as a TFOpLambda, LayerScale as
keras.applications.convnext's own layer, no stochastic depth (drop_path_rate 0: an identity
Activation). No Keras is needed (nor at hand here): the config is built as plain JSON. Run it
from this folder."""
import json

NAME = "convnext_tiny"
DEPTHS, DIMS, SIZE = [3, 3, 9, 3], [96, 192, 384, 768], 224
LAYER_SCALE = 1e-6
NESTED = set()  # the nested Sequential models' names
GLOROT = {"class_name": "GlorotUniform", "config": {"seed": None}}
ZEROS = {"class_name": "Zeros", "config": {}}
ONES = {"class_name": "Ones", "config": {}}


def ref(layer):
    # a nested model's first node is its own (from its InputLayer): Keras saves the call after it as node 1
    return [layer, 1 if layer in NESTED else 0, 0]


def entry(cls, name, inputs, **config):
    e = {"class_name": cls, "config": {"name": name, "trainable": True, "dtype": "float32", **config}, "name": name}
    if inputs is not None:
        e["inbound_nodes"] = [[ref(i) + [{}] for i in inputs]]
    return e


def conv(name, inputs, filters, kernel, strides=1, padding="valid", groups=1):
    return entry("Conv2D", name, inputs, filters=filters, kernel_size=[kernel, kernel], strides=[strides, strides],
                 padding=padding, data_format="channels_last", dilation_rate=[1, 1], groups=groups,
                 activation="linear", use_bias=True, kernel_initializer=GLOROT, bias_initializer=ZEROS,
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None)


def layer_norm(name, inputs, axis=3):
    return entry("LayerNormalization", name, inputs, axis=[axis], epsilon=1e-6, center=True, scale=True,
                 beta_initializer=ZEROS, gamma_initializer=ONES, beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None)


def dense(name, inputs, units, activation="linear"):
    return entry("Dense", name, inputs, units=units, activation=activation, use_bias=True,
                 kernel_initializer=GLOROT, bias_initializer=ZEROS, kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None)


def sequential(name, inputs, shape, members):
    first = {"class_name": "InputLayer", "config": {"batch_input_shape": [None] + shape, "dtype": "float32",
             "sparse": False, "ragged": False, "name": name + "_input"}}
    return {"class_name": "Sequential", "config": {"name": name, "layers": [first] + members}, "name": name,
            "inbound_nodes": [[ref(i) + [{}] for i in inputs]]}


def model():
    layers = [{"class_name": "InputLayer", "config": {"batch_input_shape": [None, SIZE, SIZE, 3], "dtype": "float32",
               "sparse": False, "ragged": False, "name": "input_1"}, "name": "input_1", "inbound_nodes": []}]
    # PreStem: ImageNet's statistics on [0, 255] pixels, given in the config (no weights)
    x = NAME + "_prestem_normalization"
    layers.append(entry("Normalization", x, ["input_1"], axis=[3], invert=False,
                        mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
                        variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2]))
    size, channels, adds = SIZE, 3, 0
    for i in range(4):
        if i == 0:
            name = NAME + "_stem"
            members = [conv(NAME + "_stem_conv", None, DIMS[0], 4, 4), layer_norm(NAME + "_stem_layernorm", None)]
            shape = [size, size, channels]
            size //= 4
        else:
            name = NAME + "_downsampling_block_" + str(i - 1)
            members = [layer_norm(NAME + "_downsampling_layernorm_" + str(i - 1), None),
                       conv(NAME + "_downsampling_conv_" + str(i - 1), None, DIMS[i], 2, 2)]
            shape = [size, size, channels]
            size //= 2
        # a Sequential's config lists its layers as class_name and config alone
        members = [{"class_name": m["class_name"], "config": m["config"]} for m in members]
        layers.append(sequential(name, [x], shape, members))
        NESTED.add(name)
        x = name
        channels = DIMS[i]
        for j in range(DEPTHS[i]):
            b = NAME + "_stage_%d_block_%d" % (i, j)
            layers.append(conv(b + "_depthwise_conv", [x], DIMS[i], 7, padding="same", groups=DIMS[i]))
            layers.append(layer_norm(b + "_layernorm", [b + "_depthwise_conv"]))
            layers.append(dense(b + "_pointwise_conv_1", [b + "_layernorm"], 4 * DIMS[i]))
            layers.append(entry("Activation", b + "_gelu", [b + "_pointwise_conv_1"], activation="gelu"))
            layers.append(dense(b + "_pointwise_conv_2", [b + "_gelu"], DIMS[i]))
            layers.append(entry("LayerScale", b + "_layer_scale", [b + "_pointwise_conv_2"], init_values=LAYER_SCALE,
                                projection_dim=DIMS[i]))
            layers.append(entry("Activation", b + "_identity", [b + "_layer_scale"], activation="linear"))
            # Keras' own names for the sums: tf.__operators__.add, tf.__operators__.add_1, ...
            add = "tf.__operators__.add" + ("_%d" % adds if adds else "")
            adds += 1
            layers.append({"class_name": "TFOpLambda", "config": {"name": add, "trainable": True, "dtype": "float32",
                           "function": "__operators__.add"}, "name": add,
                           # a TFOpLambda keeps its call's structure: the node is the one tensor itself
                           "inbound_nodes": [ref(x) + [{"y": ref(b + "_identity"), "name": None}]]})
            x = add
    layers.append(entry("GlobalAveragePooling2D", NAME + "_head_gap", [x], data_format="channels_last", keepdims=False))
    layers.append(layer_norm(NAME + "_head_layernorm", [NAME + "_head_gap"], axis=1))
    layers.append(dense(NAME + "_head_dense", [NAME + "_head_layernorm"], 1000, activation="softmax"))
    return {"class_name": "Functional", "config": {"name": NAME, "trainable": True, "layers": layers,
            "input_layers": [["input_1", 0, 0]], "output_layers": [[NAME + "_head_dense", 0, 0]]},
            "keras_version": "2.12.0", "backend": "tensorflow"}


if __name__ == "__main__":
    with open("convnext_tiny.json", "w") as f:
        json.dump(model(), f)
        f.write("\n")
