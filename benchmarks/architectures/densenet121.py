#!/usr/bin/env python3
"""Writes densenet121.json: keras.applications.DenseNet121(weights=None) as tf.keras 2.12's
model.to_json() writes it (the form of ../../../shared/architectures), from keras.applications'
densenet.py as read: layer names, order, arguments and connections (the two ZeroPadding2D layers
get Keras' automatic names). No Keras is needed (nor at hand here): the config is built as plain
JSON. Run it from this folder."""
import json

BLOCKS, GROWTH, SIZE = [6, 12, 24, 16], 32, 224
GLOROT = {"class_name": "GlorotUniform", "config": {"seed": None}}
ZEROS = {"class_name": "Zeros", "config": {}}
ONES = {"class_name": "Ones", "config": {}}
layers = []
channels = {}  # each layer's output channels


def add(cls, name, inputs, out_channels, **config):
    layers.append({"class_name": cls, "config": {"name": name, "trainable": True, "dtype": "float32", **config},
                   "name": name, "inbound_nodes": [[[i, 0, 0, {}] for i in inputs]]})
    channels[name] = out_channels
    return name


def conv(name, x, filters, kernel, strides=1, padding="valid"):
    return add("Conv2D", name, [x], filters, filters=filters, kernel_size=[kernel, kernel], strides=[strides, strides],
               padding=padding, data_format="channels_last", dilation_rate=[1, 1], groups=1, activation="linear",
               use_bias=False, kernel_initializer=GLOROT, bias_initializer=ZEROS, kernel_regularizer=None,
               bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None)


def bn_relu(name_bn, name_relu, x):
    x = add("BatchNormalization", name_bn, [x], channels[x], axis=[3], momentum=0.99, epsilon=1.001e-5,
            center=True, scale=True, beta_initializer=ZEROS, gamma_initializer=ONES,
            moving_mean_initializer=ZEROS, moving_variance_initializer=ONES, beta_regularizer=None,
            gamma_regularizer=None, beta_constraint=None, gamma_constraint=None)
    return add("Activation", name_relu, [x], channels[x], activation="relu")


def conv_block(x, name):
    x1 = bn_relu(name + "_0_bn", name + "_0_relu", x)
    x1 = conv(name + "_1_conv", x1, 4 * GROWTH, 1)
    x1 = bn_relu(name + "_1_bn", name + "_1_relu", x1)
    x1 = conv(name + "_2_conv", x1, GROWTH, 3, padding="same")
    return add("Concatenate", name + "_concat", [x, x1], channels[x] + GROWTH, axis=3)


def transition_block(x, name):
    x = bn_relu(name + "_bn", name + "_relu", x)
    x = conv(name + "_conv", x, int(channels[x] * 0.5), 1)
    return add("AveragePooling2D", name + "_pool", [x], channels[x], pool_size=[2, 2], padding="valid",
               strides=[2, 2], data_format="channels_last")


def model():
    layers.append({"class_name": "InputLayer", "config": {"batch_input_shape": [None, SIZE, SIZE, 3],
                   "dtype": "float32", "sparse": False, "ragged": False, "name": "input_1"},
                   "name": "input_1", "inbound_nodes": []})
    channels["input_1"] = 3
    x = add("ZeroPadding2D", "zero_padding2d", ["input_1"], 3, padding=[[3, 3], [3, 3]], data_format="channels_last")
    x = conv("conv1/conv", x, 64, 7, strides=2)
    x = bn_relu("conv1/bn", "conv1/relu", x)
    x = add("ZeroPadding2D", "zero_padding2d_1", [x], 64, padding=[[1, 1], [1, 1]], data_format="channels_last")
    x = add("MaxPooling2D", "pool1", [x], 64, pool_size=[3, 3], padding="valid", strides=[2, 2],
            data_format="channels_last")
    for i, blocks in enumerate(BLOCKS):
        for j in range(blocks):
            x = conv_block(x, "conv%d_block%d" % (i + 2, j + 1))
        if i < len(BLOCKS) - 1:
            x = transition_block(x, "pool%d" % (i + 2))
    x = bn_relu("bn", "relu", x)
    x = add("GlobalAveragePooling2D", "avg_pool", [x], channels[x], data_format="channels_last", keepdims=False)
    x = add("Dense", "predictions", [x], 1000, units=1000, activation="softmax", use_bias=True,
            kernel_initializer=GLOROT, bias_initializer=ZEROS, kernel_regularizer=None, bias_regularizer=None,
            activity_regularizer=None, kernel_constraint=None, bias_constraint=None)
    return {"class_name": "Functional", "config": {"name": "densenet121", "trainable": True, "layers": layers,
            "input_layers": [["input_1", 0, 0]], "output_layers": [[x, 0, 0]]},
            "keras_version": "2.12.0", "backend": "tensorflow"}


if __name__ == "__main__":
    with open("densenet121.json", "w") as f:
        json.dump(model(), f)
        f.write("\n")
