#!/usr/bin/env python3
"""Writes efficientnet_b0.json: keras.applications.EfficientNetB0(weights=None) as tf.keras 2.12's
model.to_json() writes it (the form of ../../../shared/architectures), from keras.applications'
efficientnet.py as read: layer names, order, arguments and connections. No Keras is needed (nor
at hand here): the config is built as plain JSON. Run it from this folder."""
import json
import math

WIDTH, DEPTH, SIZE, DROPOUT, DROP_CONNECT, DIVISOR = 1.0, 1.0, 224, 0.2, 0.2, 8
BLOCKS = [  # keras.applications.efficientnet's DEFAULT_BLOCKS_ARGS
    dict(kernel_size=3, repeats=1, filters_in=32, filters_out=16, expand_ratio=1, strides=1),
    dict(kernel_size=3, repeats=2, filters_in=16, filters_out=24, expand_ratio=6, strides=2),
    dict(kernel_size=5, repeats=2, filters_in=24, filters_out=40, expand_ratio=6, strides=2),
    dict(kernel_size=3, repeats=3, filters_in=40, filters_out=80, expand_ratio=6, strides=2),
    dict(kernel_size=5, repeats=3, filters_in=80, filters_out=112, expand_ratio=6, strides=1),
    dict(kernel_size=5, repeats=4, filters_in=112, filters_out=192, expand_ratio=6, strides=2),
    dict(kernel_size=3, repeats=1, filters_in=192, filters_out=320, expand_ratio=6, strides=1),
]
SE_RATIO = 0.25
CONV_INIT = {"class_name": "VarianceScaling",
             "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal", "seed": None}}
DENSE_INIT = {"class_name": "VarianceScaling",
              "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform", "seed": None}}
ZEROS = {"class_name": "Zeros", "config": {}}
ONES = {"class_name": "Ones", "config": {}}

layers = []
size = SIZE  # the spatial size of the tensor last made


def add(cls, name, inputs, **config):
    layers.append({"class_name": cls, "config": {"name": name, "trainable": True, "dtype": "float32", **config},
                   "name": name, "inbound_nodes": [[[i, 0, 0, {}] for i in inputs]]})
    return name


def conv(name, x, filters, kernel, strides=1, padding="same", activation="linear", use_bias=False):
    return add("Conv2D", name, [x], filters=filters, kernel_size=[kernel, kernel], strides=[strides, strides],
               padding=padding, data_format="channels_last", dilation_rate=[1, 1], groups=1, activation=activation,
               use_bias=use_bias, kernel_initializer=CONV_INIT, bias_initializer=ZEROS, kernel_regularizer=None,
               bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None)


def depthwise(name, x, kernel, strides, padding):
    return add("DepthwiseConv2D", name, [x], kernel_size=[kernel, kernel], strides=[strides, strides],
               padding=padding, data_format="channels_last", dilation_rate=[1, 1], groups=1, activation="linear",
               use_bias=False, bias_initializer=ZEROS, bias_regularizer=None, activity_regularizer=None,
               bias_constraint=None, depth_multiplier=1, depthwise_initializer=CONV_INIT,
               depthwise_regularizer=None, depthwise_constraint=None)


def batch_norm(name, x):
    return add("BatchNormalization", name, [x], axis=[3], momentum=0.99, epsilon=0.001, center=True, scale=True,
               beta_initializer=ZEROS, gamma_initializer=ONES, moving_mean_initializer=ZEROS,
               moving_variance_initializer=ONES, beta_regularizer=None, gamma_regularizer=None,
               beta_constraint=None, gamma_constraint=None)


def activation(name, x, fn="swish"):
    return add("Activation", name, [x], activation=fn)


def correct_pad(kernel):
    # imagenet_utils.correct_pad for a square input of the current size
    adjust = 1 - size % 2
    return [[kernel // 2 - adjust, kernel // 2], [kernel // 2 - adjust, kernel // 2]]


def round_filters(filters):
    filters *= WIDTH
    new = max(DIVISOR, int(filters + DIVISOR / 2) // DIVISOR * DIVISOR)
    if new < 0.9 * filters:
        new += DIVISOR
    return int(new)


def round_repeats(repeats):
    return int(math.ceil(DEPTH * repeats))


def block(inputs, drop_rate, name, filters_in, filters_out, kernel_size, strides, expand_ratio):
    global size
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = conv(name + "expand_conv", x, filters, 1)
        x = batch_norm(name + "expand_bn", x)
        x = activation(name + "expand_activation", x)
    if strides == 2:
        pad = correct_pad(kernel_size)
        x = add("ZeroPadding2D", name + "dwconv_pad", [x], padding=pad, data_format="channels_last")
        size = (size + pad[0][0] + pad[0][1] - kernel_size) // 2 + 1
        padding = "valid"
    else:
        padding = "same"
    x = depthwise(name + "dwconv", x, kernel_size, strides, padding)
    x = batch_norm(name + "bn", x)
    x = activation(name + "activation", x)
    filters_se = max(1, int(filters_in * SE_RATIO))
    se = add("GlobalAveragePooling2D", name + "se_squeeze", [x], data_format="channels_last", keepdims=False)
    se = add("Reshape", name + "se_reshape", [se], target_shape=[1, 1, filters])
    se = conv(name + "se_reduce", se, filters_se, 1, activation="swish", use_bias=True)
    se = conv(name + "se_expand", se, filters, 1, activation="sigmoid", use_bias=True)
    x = add("Multiply", name + "se_excite", [x, se])
    x = conv(name + "project_conv", x, filters_out, 1)
    x = batch_norm(name + "project_bn", x)
    if strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = add("Dropout", name + "drop", [x], rate=drop_rate, noise_shape=[None, 1, 1, 1], seed=None)
        x = add("Add", name + "add", [x, inputs])
    return x


def model():
    global size
    layers.append({"class_name": "InputLayer", "config": {"batch_input_shape": [None, SIZE, SIZE, 3],
                   "dtype": "float32", "sparse": False, "ragged": False, "name": "input_1"},
                   "name": "input_1", "inbound_nodes": []})
    x = add("Rescaling", "rescaling", ["input_1"], scale=1.0 / 255.0, offset=0.0)
    x = add("Normalization", "normalization", [x], axis=[3], invert=False, mean=None, variance=None)
    pad = correct_pad(3)
    x = add("ZeroPadding2D", "stem_conv_pad", [x], padding=pad, data_format="channels_last")
    size = (size + pad[0][0] + pad[0][1] - 3) // 2 + 1
    x = conv("stem_conv", x, round_filters(32), 3, strides=2, padding="valid")
    x = batch_norm("stem_bn", x)
    x = activation("stem_activation", x)
    total = float(sum(round_repeats(b["repeats"]) for b in BLOCKS))
    b = 0
    for i, args in enumerate(BLOCKS):
        args = dict(args)
        args["filters_in"] = round_filters(args["filters_in"])
        args["filters_out"] = round_filters(args["filters_out"])
        for j in range(round_repeats(args.pop("repeats"))):
            if j > 0:
                args["strides"] = 1
                args["filters_in"] = args["filters_out"]
            x = block(x, DROP_CONNECT * b / total, "block%d%s_" % (i + 1, chr(j + 97)), **args)
            b += 1
    x = conv("top_conv", x, round_filters(1280), 1)
    x = batch_norm("top_bn", x)
    x = activation("top_activation", x)
    x = add("GlobalAveragePooling2D", "avg_pool", [x], data_format="channels_last", keepdims=False)
    x = add("Dropout", "top_dropout", [x], rate=DROPOUT, noise_shape=None, seed=None)
    x = add("Dense", "predictions", [x], units=1000, activation="softmax", use_bias=True,
            kernel_initializer=DENSE_INIT, bias_initializer=ZEROS, kernel_regularizer=None, bias_regularizer=None,
            activity_regularizer=None, kernel_constraint=None, bias_constraint=None)
    return {"class_name": "Functional", "config": {"name": "efficientnetb0", "trainable": True, "layers": layers,
            "input_layers": [["input_1", 0, 0]], "output_layers": [[x, 0, 0]]},
            "keras_version": "2.12.0", "backend": "tensorflow"}


if __name__ == "__main__":
    with open("efficientnet_b0.json", "w") as f:
        json.dump(model(), f)
        f.write("\n")
