#!/usr/bin/env python3
"""Writes mobilenet_v3_large.json: tf.keras 2.12's keras.applications.MobileNetV3Large(weights=None)
as its model.to_json() writes it, from keras.applications' mobilenet_v3.py as read: layer order,
arguments and connections (unnamed layers get names of the same form). Its hard sigmoid is
`ReLU(6.0)(x + 3.0) * (1.0 / 6.0)`, hard swish `Multiply()([x, hard_sigmoid(x)])`: TFOpLambda
layers, the form users' tf.keras files have. No Keras is needed (nor at hand here): the config is
built as plain JSON. Run it from this folder."""
import json

SIZE, ALPHA, CLASSES, DROPOUT, SE_RATIO, KERNEL = 224, 1.0, 1000, 0.2, 0.25, 5
GLOROT = {"class_name": "GlorotUniform", "config": {"seed": None}}
ZEROS = {"class_name": "Zeros", "config": {}}
ONES = {"class_name": "Ones", "config": {}}

layers = []
counts = {}


def unique(base):
    n = counts.get(base, 0)
    counts[base] = n + 1
    return base if n == 0 else "%s_%d" % (base, n)


def add(cls, name, inputs, **config):
    layers.append({"class_name": cls, "config": {"name": name, "trainable": True, "dtype": "float32", **config},
                   "name": name, "inbound_nodes": [[[i, 0, 0, {}] for i in inputs]]})
    return name


def op(function, x, y):
    # a TFOpLambda: the tensor first, the other arguments beside it
    name = unique("tf." + function)
    layers.append({"class_name": "TFOpLambda", "config": {"name": name, "trainable": True, "dtype": "float32",
                   "function": function}, "name": name, "inbound_nodes": [[x, 0, 0, {"y": y, "name": None}]]})
    return name


def depth(v, divisor=8):
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new < 0.9 * v:
        new += divisor
    return new


def conv(name, x, filters, kernel, strides=1, use_bias=False):
    return add("Conv2D", name, [x], filters=filters, kernel_size=[kernel, kernel], strides=[strides, strides],
               padding="same", data_format="channels_last", dilation_rate=[1, 1], groups=1, activation="linear",
               use_bias=use_bias, kernel_initializer=GLOROT, bias_initializer=ZEROS, kernel_regularizer=None,
               bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None)


def batch_norm(name, x):
    return add("BatchNormalization", name, [x], axis=[3], momentum=0.999, epsilon=0.001, center=True, scale=True,
               beta_initializer=ZEROS, gamma_initializer=ONES, moving_mean_initializer=ZEROS,
               moving_variance_initializer=ONES, beta_regularizer=None, gamma_regularizer=None,
               beta_constraint=None, gamma_constraint=None)


def relu(x, max_value=None, name=None):
    return add("ReLU", name or unique("re_lu"), [x], max_value=max_value, negative_slope=0.0, threshold=0.0)


def hard_sigmoid(x):
    return op("math.multiply", relu(op("__operators__.add", x, 3.0), 6.0), 1.0 / 6.0)


def hard_swish(x):
    return add("Multiply", unique("multiply"), [x, hard_sigmoid(x)])


def se_block(inputs, filters, prefix):
    x = add("GlobalAveragePooling2D", prefix + "squeeze_excite/AvgPool", [inputs], data_format="channels_last",
            keepdims=True)
    x = conv(prefix + "squeeze_excite/Conv", x, depth(filters * SE_RATIO), 1, use_bias=True)
    x = relu(x, name=prefix + "squeeze_excite/Relu")
    x = conv(prefix + "squeeze_excite/Conv_1", x, filters, 1, use_bias=True)
    x = hard_sigmoid(x)
    return add("Multiply", prefix + "squeeze_excite/Mul", [inputs, x])


def block(x, size, infilters, expansion, filters, kernel, stride, se, activation, block_id):
    shortcut = x
    prefix = "expanded_conv/"
    if block_id:
        prefix = "expanded_conv_%d/" % block_id
        x = conv(prefix + "expand", x, depth(infilters * expansion), 1)
        x = batch_norm(prefix + "expand/BatchNorm", x)
        x = activation(x)
    if stride == 2:
        adjust = 1 - size % 2  # imagenet_utils.correct_pad
        pad = [[kernel // 2 - adjust, kernel // 2], [kernel // 2 - adjust, kernel // 2]]
        x = add("ZeroPadding2D", prefix + "depthwise/pad", [x], padding=pad, data_format="channels_last")
    x = add("DepthwiseConv2D", prefix + "depthwise", [x], kernel_size=[kernel, kernel], strides=[stride, stride],
            padding="same" if stride == 1 else "valid", data_format="channels_last", dilation_rate=[1, 1],
            groups=1, activation="linear", use_bias=False, bias_initializer=ZEROS, bias_regularizer=None,
            activity_regularizer=None, bias_constraint=None, depth_multiplier=1, depthwise_initializer=GLOROT,
            depthwise_regularizer=None, depthwise_constraint=None)
    x = batch_norm(prefix + "depthwise/BatchNorm", x)
    x = activation(x)
    if se:
        x = se_block(x, depth(infilters * expansion), prefix)
    x = conv(prefix + "project", x, filters, 1)
    x = batch_norm(prefix + "project/BatchNorm", x)
    if stride == 1 and infilters == filters:
        x = add("Add", prefix + "Add", [shortcut, x])
    return x, (size + 1) // 2 if stride == 2 else size, filters


def model():
    layers.append({"class_name": "InputLayer", "config": {"batch_input_shape": [None, SIZE, SIZE, 3],
                   "dtype": "float32", "sparse": False, "ragged": False, "name": "input_1"},
                   "name": "input_1", "inbound_nodes": []})
    x = add("Rescaling", "rescaling", ["input_1"], scale=1.0 / 127.5, offset=-1.0)
    x = conv("Conv", x, 16, 3, strides=2)
    x = batch_norm("Conv/BatchNorm", x)
    x = hard_swish(x)
    size, ch = SIZE // 2, 16
    d = lambda v: depth(v * ALPHA)
    r = relu
    for args in [(1, d(16), 3, 1, False, r), (4, d(24), 3, 2, False, r), (3, d(24), 3, 1, False, r),
                 (3, d(40), KERNEL, 2, True, r), (3, d(40), KERNEL, 1, True, r), (3, d(40), KERNEL, 1, True, r),
                 (6, d(80), 3, 2, False, hard_swish), (2.5, d(80), 3, 1, False, hard_swish),
                 (2.3, d(80), 3, 1, False, hard_swish), (2.3, d(80), 3, 1, False, hard_swish),
                 (6, d(112), 3, 1, True, hard_swish), (6, d(112), 3, 1, True, hard_swish),
                 (6, d(160), KERNEL, 2, True, hard_swish), (6, d(160), KERNEL, 1, True, hard_swish),
                 (6, d(160), KERNEL, 1, True, hard_swish)]:
        block_id = counts.get("block", 0)
        counts["block"] = block_id + 1
        x, size, ch = block(x, size, ch, *args, block_id)
    x = conv("Conv_1", x, depth(ch * 6), 1)
    x = batch_norm("Conv_1/BatchNorm", x)
    x = hard_swish(x)
    x = add("GlobalAveragePooling2D", "global_average_pooling2d", [x], data_format="channels_last", keepdims=True)
    x = conv("Conv_2", x, 1280, 1, use_bias=True)
    x = hard_swish(x)
    x = add("Dropout", "dropout", [x], rate=DROPOUT, noise_shape=None, seed=None)
    x = conv("Logits", x, CLASSES, 1, use_bias=True)
    x = add("Flatten", "flatten", [x], data_format="channels_last")
    x = add("Activation", "Predictions", [x], activation="softmax")
    return {"class_name": "Functional", "config": {"name": "MobilenetV3large", "layers": layers,
            "input_layers": [["input_1", 0, 0]], "output_layers": [[x, 0, 0]]},
            "keras_version": "2.12.0", "backend": "tensorflow"}


if __name__ == "__main__":
    with open("mobilenet_v3_large.json", "w") as f:
        json.dump(model(), f)
        f.write("\n")
