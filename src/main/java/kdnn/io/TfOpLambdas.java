package kdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import kdnn.layers.GetItem;
import kdnn.layers.MathFunction;
import kdnn.layers.Split;
import kdnn.layers.Squeeze;
import kdnn.layers.Stack;
import kdnn.layers.TrueDivide;

/**
 * tf.keras' {@code TFOpLambda} layers (a TensorFlow function called on a Keras tensor in a
 * functional model, e.g. MobileNetV3's {@code x + 3.0} and {@code x * (1.0 / 6.0)}) as the layers
 * that compute the same:
 * <ul>
 *   <li>a scalar or per-channel constant operand: a Rescaling ({@code x * scale + offset}, exact for
 *       these forms; {@code tf.nn.bias_add} of a constant too, and a division by a power of two);
 *       a division by another constant: kdnn's {@link TrueDivide};</li>
 *   <li>a tensor operand: an Add, Subtract or Multiply; an activation function: an Activation, ReLU,
 *       LeakyReLU or Softmax; {@code reduce_mean} and {@code reduce_max} over the spatial axes: a
 *       global pooling; {@code tf.math.l2_normalize}: a UnitNormalization;</li>
 *   <li>{@code tf.concat}, {@code tf.reshape}, {@code tf.transpose} (of each sample) and
 *       {@code tf.image.resize} (to a fixed size): a Concatenate, Reshape, Permute and Resizing;
 *       {@code tf.pad} with zeros around the spatial axes: a ZeroPadding1D/2D/3D;
 *       {@code tf.stack}: kdnn's {@link Stack}; {@code x[key]} (a SlicingOpLambda) and
 *       {@code tf.expand_dims} and {@code tf.reverse}: kdnn's {@link GetItem}.</li>
 * </ul>
 * kdnn's own operation layers are written back as the TFOpLambda they were ({@link TfOpLambdaWriter}). tf.keras writes
 * the call's other arguments beside its first tensor ({@code [layer, node, tensor, {"y": 3.0,
 * "name": null}]}, a tensor argument as {@code [layer, node, tensor]}, a constant first argument as
 * {@code ["_CONSTANT_VALUE", -1, value, kwargs]}). Any other function is refused by name. One
 * difference, in the sign of a zero only: Rescaling adds its offset 0 after the product, so a
 * product of -0 comes out +0 where TensorFlow's multiply keeps -0 (the two compare equal).
 */
final class TfOpLambdas {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** The first element of a call whose first argument is a constant: {@code ["_CONSTANT_VALUE", -1, value, kwargs]}. */
    static final String CONSTANT = "_CONSTANT_VALUE";

    /** kdnn's element-wise math functions by tf.keras' function name and by class name. */
    private static final Map<String, MathFunction.Function> MATH_FUNCTIONS = new java.util.HashMap<>();

    static {
        for (MathFunction.Function f : MathFunction.Function.values()) {
            MATH_FUNCTIONS.put(f.tfFunction(), f);
        }
    }

    /** Functions that are one Keras activation (the tf.keras function name, the activation's name). */
    private static final Map<String, String> ACTIVATIONS = Map.ofEntries(
            Map.entry("nn.relu", "relu"), Map.entry("math.sigmoid", "sigmoid"), Map.entry("nn.sigmoid", "sigmoid"),
            Map.entry("math.tanh", "tanh"), Map.entry("nn.tanh", "tanh"), Map.entry("nn.silu", "swish"),
            Map.entry("nn.swish", "swish"), Map.entry("nn.selu", "selu"), Map.entry("math.log_sigmoid", "log_sigmoid"),
            Map.entry("nn.softplus", "softplus"), Map.entry("math.softplus", "softplus"),
            Map.entry("nn.softsign", "softsign"), Map.entry("math.softsign", "softsign"), Map.entry("math.exp", "exponential"),
            // Keras 3 operations with no TensorFlow function (read from .keras files only)
            Map.entry("keras.ops.hard_sigmoid", "hard_sigmoid"), Map.entry("keras.ops.hard_silu", "hard_silu"),
            Map.entry("keras.ops.hard_tanh", "hard_tanh"), Map.entry("keras.ops.tanh_shrink", "tanh_shrink"),
            Map.entry("keras.ops.sparse_sigmoid", "sparse_sigmoid"), Map.entry("keras.ops.sparse_plus", "sparse_plus"));

    /** Keras 3 activation operations with one argument: kdnn reads them at that argument's default (the name's function). */
    private static final Map<String, Map.Entry<String, Double>> DEFAULT_ONLY = Map.of(
            "keras.ops.celu", Map.entry("alpha", 1.0), "keras.ops.soft_shrink", Map.entry("threshold", 0.5),
            "keras.ops.hard_shrink", Map.entry("threshold", 0.5), "keras.ops.squareplus", Map.entry("b", 4.0));

    private TfOpLambdas() {
    }

    /** The Keras layer entry (Keras 2's form, inbound nodes nested) computing what {@code entry} does. */
    static ObjectNode translate(JsonNode entry, String file, String where) {
        String function = entry.path("config").path("function").asText("");
        String name = LayerTree.nameOf(entry);
        JsonNode nodes = entry.get("inbound_nodes");
        if (nodes == null || !nodes.isArray() || nodes.size() != 1) {
            throw new ModelFileException(file + ": " + where + " (tf." + function + ") must be called exactly once; its"
                    + " inbound nodes are " + ConfigNormalizer.abbreviate(nodes));
        }
        Call call = Call.of(nodes.get(0), file, where);
        ObjectNode config = JSON.objectNode();
        config.put("name", name);
        config.put("trainable", entry.path("config").path("trainable").asBoolean(true));
        config.put("dtype", "float32");
        String cls;
        ArrayNode inputs = JSON.arrayNode();
        JsonNode y = call.kwargs.get("y");
        switch (function) {
            case "__operators__.add", "math.add", "math.subtract", "math.multiply", "math.truediv" -> {
                boolean tensorY = isTensorRef(y);
                if (call.list != null) call.tensor(file, where, function); // refuses a list
                if (call.constant != null && tensorY) {
                    // constant op tensor: c + x, c - x, c * x as a Rescaling; c / x as kdnn's ConstantDivide
                    cls = "Rescaling";
                    double sign = function.equals("math.subtract") ? -1 : 1;
                    switch (function) {
                        case "math.multiply" -> { config.set("scale", call.constant); config.put("offset", -0.0); }
                        case "math.truediv" -> { cls = TrueDivide.CLASS_NAME; config.set("x", call.constant); }
                        default -> { config.put("scale", sign); config.set("offset", call.constant); }
                    }
                    inputs.add(ref(y));
                } else if (call.constant != null) {
                    throw unsupported(file, where, function, "no tensor operand");
                } else if (tensorY) {
                    cls = switch (function) {
                        case "math.subtract" -> "Subtract";
                        case "math.multiply" -> "Multiply";
                        case "math.truediv" -> TrueDivide.CLASS_NAME; // kdnn's TensorDivide
                        default -> "Add";
                    };
                    inputs.add(call.tensor);
                    inputs.add(ref(y));
                } else if (isConstant(y)) {
                    cls = "Rescaling";
                    JsonNode exactReciprocal = function.equals("math.truediv") ? reciprocal(y) : null;
                    switch (function) {
                        case "math.multiply" -> { config.set("scale", y); config.put("offset", -0.0); } // a product alone (Rescaling)
                        case "math.truediv" -> {
                            if (exactReciprocal != null) {
                                config.set("scale", exactReciprocal);
                                config.put("offset", -0.0);
                            } else {
                                cls = TrueDivide.CLASS_NAME;
                                config.set("y", y);
                            }
                        }
                        case "math.subtract" -> { config.put("scale", 1.0); config.set("offset", negated(y)); }
                        default -> { config.put("scale", 1.0); config.set("offset", y); }
                    }
                    inputs.add(call.tensor);
                } else {
                    throw unsupported(file, where, function, "operand y=" + ConfigNormalizer.abbreviate(y));
                }
            }
            case "clip_by_value", "math.pow", "__operators__.pow" -> {
                // clip(x, lo, hi) and x ** p of number constants
                boolean clip = function.equals("clip_by_value");
                List<String> keys = clip ? List.of("clip_value_min", "clip_value_max") : List.of("y");
                if (call.tensor == null) throw unsupported(file, where, function, "no tensor operand");
                for (String k : keys) {
                    JsonNode v = call.kwargs.get(k);
                    if (v == null || !v.isNumber()) {
                        throw unsupported(file, where, function, k + "=" + ConfigNormalizer.abbreviate(v)
                                + " (kdnn takes a number there)");
                    }
                }
                cls = clip ? kdnn.layers.ConstantFunction.CLIP : kdnn.layers.ConstantFunction.POWER;
                if (clip) {
                    config.set("x_min", call.kwargs.get("clip_value_min"));
                    config.set("x_max", call.kwargs.get("clip_value_max"));
                } else {
                    config.set("exponent", call.kwargs.get("y"));
                }
                inputs.add(call.tensor);
            }
            case "linalg.matmul", "__operators__.matmul" -> {
                // a @ b of two tensors (Keras 3's Matmul passes b as its second argument), or of a tensor and a matrix
                JsonNode other = call.kwargs.has("b") ? call.kwargs.get("b") : call.kwargs.get("y");
                if (call.tensor != null && other != null && other.isArray() && other.size() > 0 && other.get(0).isArray()) {
                    if (call.kwargs.path("transpose_a").asBoolean(false) || call.kwargs.path("adjoint_a").asBoolean(false)) {
                        throw unsupported(file, where, function, "transpose_a=True and a constant b (kdnn multiplies the"
                                + " tensor's last axis by the matrix)");
                    }
                    cls = kdnn.layers.ConstantMatmul.CLASS_NAME;
                    config.set("b", other.deepCopy());
                    if (call.kwargs.path("transpose_b").asBoolean(false) || call.kwargs.path("adjoint_b").asBoolean(false)) {
                        config.put("transpose_b", true);
                    }
                    inputs.add(call.tensor);
                    break;
                }
                if (call.tensor == null || !isTensorRef(other)) {
                    throw unsupported(file, where, function, "b=" + ConfigNormalizer.abbreviate(other) + " (kdnn multiplies"
                            + " two tensors)");
                }
                for (String flag : List.of("a_is_sparse", "b_is_sparse")) {
                    if (call.kwargs.has(flag) && !call.kwargs.get(flag).isBoolean()) {
                        throw unsupported(file, where, function, flag + "=" + call.kwargs.get(flag));
                    }
                }
                JsonNode type = call.kwargs.path("output_type");
                if (!type.isMissingNode() && !type.isNull() && !type.asText().equals("float32")) {
                    throw unsupported(file, where, function, "output_type=" + type);
                }
                cls = kdnn.layers.Matmul.CLASS_NAME;
                boolean ta = call.kwargs.path("transpose_a").asBoolean(false) || call.kwargs.path("adjoint_a").asBoolean(false);
                boolean tb = call.kwargs.path("transpose_b").asBoolean(false) || call.kwargs.path("adjoint_b").asBoolean(false);
                if (ta) config.put("transpose_a", true);
                if (tb) config.put("transpose_b", true);
                inputs.add(call.tensor);
                inputs.add(ref(other));
            }
            case "__operators__.getitem" -> {
                // x[key] (a SlicingOpLambda): tf.keras writes the key as slice_spec, slices as {start, stop, step}
                JsonNode key = call.kwargs.get("slice_spec");
                if (key == null || isTensorRef(key)) {
                    throw unsupported(file, where, function, "slice_spec=" + ConfigNormalizer.abbreviate(key)
                            + " (kdnn reads integers, slices, an ellipsis and new axes)");
                }
                cls = GetItem.CLASS_NAME;
                config.set("key", key);
                inputs.add(call.tensor(file, where, function));
            }
            case "expand_dims" -> {
                // a new axis: x[:, ..., None, ...] as GetItem (the batch axis counted, as tf.expand_dims counts it)
                JsonNode axis = call.kwargs.path("axis");
                if (!axis.isIntegralNumber() || axis.asInt() == 0) {
                    throw unsupported(file, where, function, "axis=" + ConfigNormalizer.abbreviate(axis)
                            + " (kdnn inserts an axis after the batch axis: an integer other than 0)");
                }
                int a = axis.asInt();
                ArrayNode key = config.putArray("key");
                if (a > 0) {
                    for (int i = 0; i < a; i++) key.add(slice(null));
                    key.addNull().add(ellipsis());
                } else {
                    key.add(ellipsis()).addNull();
                    for (int i = 0; i < -a - 1; i++) key.add(slice(null));
                }
                cls = GetItem.CLASS_NAME;
                inputs.add(call.tensor(file, where, function));
            }
            case "math.maximum", "math.minimum" -> {
                boolean max = function.equals("math.maximum");
                if (isTensorRef(y) && call.tensor != null) {
                    // of two tensors: Keras' Maximum and Minimum merges call the same function
                    cls = max ? "Maximum" : "Minimum";
                    inputs.add(call.tensor(file, where, function));
                    inputs.add(ref(y));
                } else {
                    // of a tensor and a number, either way round (the function is symmetric, NaN on either side too)
                    JsonNode constant = call.tensor != null ? y : call.constant;
                    if (constant == null || !constant.isNumber() || (call.tensor == null && !isTensorRef(y))) {
                        throw unsupported(file, where, function, "y=" + ConfigNormalizer.abbreviate(y)
                                + " (kdnn reads the maximum or minimum of two tensors, or of a tensor and a number)");
                    }
                    cls = max ? kdnn.layers.ConstantFunction.MAXIMUM : kdnn.layers.ConstantFunction.MINIMUM;
                    config.set("y", constant.deepCopy());
                    inputs.add(call.tensor != null ? call.tensor : ref(y));
                }
            }
            case "cast", "dtypes.cast" -> {
                // to float32: kdnn's tensors are float32 already (an integer input reaches only an Embedding)
                String dtype = call.kwargs.path("dtype").asText("");
                if (!dtype.equals("float32")) {
                    throw unsupported(file, where, function, "dtype=" + ConfigNormalizer.abbreviate(call.kwargs.get("dtype"))
                            + " (kdnn computes in float32: it reads a cast to float32)");
                }
                cls = "Identity";
                inputs.add(call.tensor(file, where, function));
            }
            case "pad", "compat.v1.pad" -> {
                // zeros around the spatial axes: ZeroPadding1D/2D/3D (channels last, nothing on batch or channels)
                JsonNode paddings = call.kwargs.path("paddings");
                String mode = call.kwargs.path("mode").asText("CONSTANT");
                JsonNode fill = call.kwargs.path("constant_values");
                int rank = paddings.isArray() ? paddings.size() : 0;
                boolean ok = rank >= 3 && rank <= 5 && mode.equalsIgnoreCase("constant")
                        && (fill.isMissingNode() || fill.isNull() || fill.isNumber() && fill.asDouble() == 0);
                for (int a = 0; ok && a < rank; a++) {
                    JsonNode pair = paddings.get(a);
                    ok = pair.isArray() && pair.size() == 2 && pair.get(0).isIntegralNumber() && pair.get(1).isIntegralNumber()
                            && pair.get(0).asInt() >= 0 && pair.get(1).asInt() >= 0
                            && (a > 0 && a < rank - 1 || pair.get(0).asInt() == 0 && pair.get(1).asInt() == 0);
                }
                if (!ok) {
                    // another constant border (the channels', any rank, not zero) or a mirrored one: kdnn's Pad
                    boolean general = kdnn.layers.Pad.MODES.contains(mode.toLowerCase(java.util.Locale.ROOT)) && rank >= 2
                            && (fill.isMissingNode() || fill.isNull() || fill.isNumber());
                    for (int a = 0; general && a < rank; a++) {
                        JsonNode pair = paddings.get(a);
                        general = pair.isArray() && pair.size() == 2 && pair.get(0).isIntegralNumber()
                                && pair.get(1).isIntegralNumber() && pair.get(0).asInt() >= 0 && pair.get(1).asInt() >= 0
                                && (a > 0 || pair.get(0).asInt() == 0 && pair.get(1).asInt() == 0);
                    }
                    if (!general) {
                        throw unsupported(file, where, function, "paddings=" + ConfigNormalizer.abbreviate(paddings)
                                + ", mode=" + mode + ", constant_values=" + ConfigNormalizer.abbreviate(fill) + " (kdnn pads"
                                + " any axes but the batch's with a constant, or mirrored: CONSTANT, REFLECT, SYMMETRIC)");
                    }
                    cls = kdnn.layers.Pad.CLASS_NAME;
                    config.set("paddings", paddings.deepCopy());
                    config.put("mode", mode.toLowerCase(java.util.Locale.ROOT));
                    if (fill.isNumber()) config.set("constant_values", fill.deepCopy());
                    inputs.add(call.tensor(file, where, function));
                    break;
                }
                cls = "ZeroPadding" + (rank - 2) + "D";
                ArrayNode padding = config.putArray("padding");
                for (int a = 1; a < rank - 1; a++) {
                    if (rank == 3) padding.add(paddings.get(a).get(0).asInt()).add(paddings.get(a).get(1).asInt());
                    else padding.addArray().add(paddings.get(a).get(0).asInt()).add(paddings.get(a).get(1).asInt());
                }
                if (rank > 3) config.put("data_format", "channels_last");
                inputs.add(call.tensor(file, where, function));
            }
            case "reverse", "reverse_v2" -> {
                // x reversed along the given axes (after the batch): a GetItem of ::-1 slices there
                JsonNode axis = call.kwargs.path("axis");
                List<Integer> axes = new java.util.ArrayList<>();
                for (JsonNode a : axis.isArray() ? axis : JSON.arrayNode().add(axis)) {
                    if (!a.isIntegralNumber() || a.asInt() == 0) {
                        throw unsupported(file, where, function, "axis=" + ConfigNormalizer.abbreviate(axis)
                                + " (kdnn reverses axes after the batch axis: integers other than 0, all of one sign)");
                    }
                    axes.add(a.asInt());
                }
                boolean negative = !axes.isEmpty() && axes.get(0) < 0;
                if (axes.isEmpty() || axes.stream().anyMatch(a -> a < 0 != negative)) {
                    throw unsupported(file, where, function, "axis=" + ConfigNormalizer.abbreviate(axis)
                            + " (kdnn reverses axes after the batch axis: integers other than 0, all of one sign)");
                }
                int span = negative ? -axes.stream().mapToInt(Integer::intValue).min().getAsInt()
                        : axes.stream().mapToInt(Integer::intValue).max().getAsInt() + 1;
                ArrayNode key = config.putArray("key");
                if (negative) key.add(ellipsis());
                for (int i = 0; i < span; i++) {
                    int a = negative ? i - span : i;
                    key.add(slice(axes.contains(a) ? -1 : null));
                }
                if (!negative) key.add(ellipsis());
                cls = GetItem.CLASS_NAME;
                inputs.add(call.tensor(file, where, function));
            }
            case "math.l2_normalize", "nn.l2_normalize", "linalg.l2_normalize" -> {
                // x * rsqrt(max(sum(x * x), epsilon)) over the axes: UnitNormalization, whose epsilon is tf's default
                JsonNode axis = call.kwargs.path("axis");
                JsonNode epsilon = call.kwargs.path("epsilon");
                if (!epsilon.isMissingNode() && !(epsilon.isNumber() && epsilon.asDouble() == 1e-12)) {
                    throw unsupported(file, where, function, "epsilon=" + ConfigNormalizer.abbreviate(epsilon)
                            + " (kdnn reads the default 1e-12, UnitNormalization's)");
                }
                if (axis.isMissingNode() || axis.isNull()) {
                    throw unsupported(file, where, function, "axis=None (the whole batch at once)");
                }
                cls = "UnitNormalization";
                config.set("axis", axis);
                inputs.add(call.tensor(file, where, function));
            }
            case "nn.bias_add" -> {
                // x + bias over the last axis: tf.keras' backend.bias_add (the mean subtraction of
                // keras.applications' caffe and torch preprocessing)
                JsonNode bias = call.kwargs.get("bias");
                String format = call.kwargs.path("data_format").asText("NHWC");
                if (!isConstant(bias)) {
                    throw unsupported(file, where, function, "bias=" + ConfigNormalizer.abbreviate(bias)
                            + " (kdnn reads a constant bias)");
                }
                if (!(format.startsWith("N") && format.endsWith("C"))) {
                    throw unsupported(file, where, function, "data_format=" + ConfigNormalizer.abbreviate(
                            call.kwargs.get("data_format")) + " (kdnn reads the channels-last forms NWC, NHWC, NDHWC)");
                }
                cls = "Rescaling";
                config.put("scale", 1.0);
                config.set("offset", bias);
                inputs.add(call.tensor(file, where, function));
            }
            case "math.negative" -> {
                cls = "Rescaling";
                config.put("scale", -1.0);
                config.put("offset", 0.0);
                inputs.add(call.tensor(file, where, function));
            }
            case "nn.relu6" -> {
                cls = "ReLU";
                config.put("max_value", 6.0);
                config.put("negative_slope", 0.0);
                config.put("threshold", 0.0);
                inputs.add(call.tensor(file, where, function));
            }
            case "nn.leaky_relu" -> {
                cls = "LeakyReLU";
                config.put("alpha", call.kwargs.path("alpha").asDouble(0.2));
                inputs.add(call.tensor(file, where, function));
            }
            case "nn.softmax", "math.softmax" -> {
                cls = "Softmax";
                config.put("axis", call.kwargs.path("axis").asInt(-1));
                inputs.add(call.tensor(file, where, function));
            }
            case "nn.elu" -> { // Keras 3's ops.elu takes an alpha, as the ELU layer does
                double alpha = call.kwargs.path("alpha").asDouble(1.0);
                cls = alpha == 1.0 ? "Activation" : "ELU";
                if (alpha == 1.0) config.put("activation", "elu");
                else config.put("alpha", alpha);
                inputs.add(call.tensor(file, where, function));
            }
            case "keras.ops.celu", "keras.ops.soft_shrink", "keras.ops.hard_shrink", "keras.ops.squareplus" -> {
                Map.Entry<String, Double> argument = DEFAULT_ONLY.get(function);
                JsonNode v = call.kwargs.path(argument.getKey());
                if (!v.isMissingNode() && !(v.isNumber() && v.asDouble() == argument.getValue())) {
                    throw unsupported(file, where, function, argument.getKey() + "=" + v);
                }
                cls = "Activation";
                config.put("activation", function.substring("keras.ops.".length()));
                inputs.add(call.tensor(file, where, function));
            }
            case "nn.log_softmax", "keras.ops.sparsemax" -> { // over the last axis, as the activations are
                JsonNode axis = call.kwargs.path("axis");
                if (!axis.isMissingNode() && !(axis.isInt() && axis.asInt() == -1)) {
                    throw unsupported(file, where, function, "axis=" + axis + " (kdnn reads the last axis, -1)");
                }
                cls = "Activation";
                config.put("activation", function.equals("nn.log_softmax") ? "log_softmax" : "sparsemax");
                inputs.add(call.tensor(file, where, function));
            }
            case "nn.gelu" -> {
                if (call.kwargs.path("approximate").asBoolean(false)) {
                    throw unsupported(file, where, function, "approximate=True");
                }
                cls = "Activation";
                config.put("activation", "gelu");
                inputs.add(call.tensor(file, where, function));
            }
            case "nn.depth_to_space", "compat.v1.depth_to_space", "nn.space_to_depth", "compat.v1.space_to_depth" -> {
                // a sub-pixel convolution's pixel shuffle, or its inverse: kdnn's BlockShuffle checks the arguments
                cls = function.endsWith("depth_to_space") ? "DepthToSpace" : "SpaceToDepth";
                JsonNode block = call.kwargs.get("block_size");
                if (block == null) throw unsupported(file, where, function, "no block_size");
                config.set("block_size", block.deepCopy());
                config.put("data_format", call.kwargs.path("data_format").asText("NHWC"));
                inputs.add(call.tensor(file, where, function));
            }
            case "nn.max_pool1d", "nn.max_pool2d", "nn.max_pool3d", "nn.avg_pool1d", "nn.avg_pool2d", "nn.avg_pool3d",
                 "keras.ops.max_pool", "keras.ops.average_pool" -> {
                // tf.nn's windowed pooling (and Keras 3's ops): the Keras pooling layer that calls it
                boolean max = function.contains("max");
                boolean keras3 = function.startsWith("keras.ops.");
                int rank = keras3 ? call.kwargs.path("rank").asInt(0) : function.charAt(function.length() - 2) - '0';
                if (keras3 && !call.kwargs.has("rank")) {
                    throw unsupported(file, where, function, "a tensor whose shape the file does not give (its rank"
                            + " says which pooling)");
                }
                if (rank < 1 || rank > 3) throw unsupported(file, where, function, "an input of " + (rank + 2) + " axes");
                // Keras 3's channels_last / channels_first, or TensorFlow's NWC, NHWC, NDHWC and their NC forms
                String spatial = "DHW".substring(3 - rank);
                String format = call.kwargs.path("data_format").asText(keras3 ? "channels_last" : "N" + spatial + "C");
                boolean channelsFirst = format.equals(keras3 ? "channels_first" : "NC" + spatial);
                if (!channelsFirst && !format.equals(keras3 ? "channels_last" : "N" + spatial + "C")) {
                    throw unsupported(file, where, function, "data_format=" + format);
                }
                cls = (max ? "MaxPooling" : "AveragePooling") + rank + "D";
                config.set("pool_size", poolingTuple(call.kwargs.get(keras3 ? "pool_size" : "ksize"), rank, channelsFirst,
                        file, where, function));
                JsonNode strides = call.kwargs.get("strides");
                if (strides != null && !strides.isNull()) {
                    config.set("strides", poolingTuple(strides, rank, channelsFirst, file, where, function));
                }
                String padding = call.kwargs.path("padding").asText("valid").toLowerCase(java.util.Locale.ROOT);
                if (!padding.equals("valid") && !padding.equals("same")) {
                    throw unsupported(file, where, function, "padding=" + call.kwargs.get("padding"));
                }
                config.put("padding", padding);
                config.put("data_format", channelsFirst ? "channels_first" : "channels_last");
                inputs.add(call.tensor(file, where, function));
            }
            case "nn.moments", "compat.v1.nn.moments" -> {
                // the mean and the variance, two outputs: kdnn's Moments checks the axes
                cls = "Moments";
                JsonNode axes = call.kwargs.get("axes");
                if (axes == null || axes.isNull()) throw unsupported(file, where, function, "no axes");
                config.set("axes", axes.deepCopy());
                boolean keep = call.kwargs.path("keepdims").asBoolean(call.kwargs.path("keep_dims").asBoolean(false));
                config.put("keepdims", keep);
                if (call.kwargs.path("synchronized").asBoolean(false)) config.put("synchronized", true);
                inputs.add(call.tensor(file, where, function));
            }
            case "nn.local_response_normalization", "nn.lrn" -> {
                cls = "LocalResponseNormalization";
                for (String k : List.of("depth_radius", "bias", "alpha", "beta")) {
                    if (call.kwargs.has(k)) config.set(k, call.kwargs.get(k).deepCopy());
                }
                inputs.add(call.tensor(file, where, function));
            }
            case "image.per_image_standardization" -> {
                cls = "PerImageStandardization";
                inputs.add(call.tensor(file, where, function));
            }
            case "image.rgb_to_grayscale" -> {
                // tf.image's is channels-last; Keras 3's operation names its data format
                cls = "RGBToGrayscale";
                JsonNode format = call.kwargs.get("data_format");
                if (format != null && !format.isNull()) config.set("data_format", format.deepCopy());
                inputs.add(call.tensor(file, where, function));
            }
            case "math.reduce_logsumexp", "reduce_logsumexp" -> {
                // over named axes: kdnn's LogSumExp checks them against the input (None would reduce the batch axis too)
                JsonNode axis = call.kwargs.get("axis");
                if (axis == null || axis.isNull()) {
                    throw unsupported(file, where, function, "axis=None (every axis, the batch's too, which mixes a call's"
                            + " samples)");
                }
                cls = kdnn.layers.LogSumExp.CLASS_NAME;
                config.set("axis", axis.deepCopy());
                config.put("keepdims", call.kwargs.path("keepdims").asBoolean(call.kwargs.path("keep_dims").asBoolean(false)));
                inputs.add(call.tensor(file, where, function));
            }
            case "keras.ops.einsum" -> {
                // Keras 3's einsum of two tensors (its second as y): kdnn's Einsum checks the subscripts
                JsonNode other = call.kwargs.get("y");
                if (call.tensor == null || !isTensorRef(other)) {
                    throw unsupported(file, where, function, "operands other than two tensors");
                }
                cls = kdnn.layers.Einsum.CLASS_NAME;
                config.set("subscripts", call.kwargs.path("subscripts").deepCopy());
                inputs.add(call.tensor);
                inputs.add(ref(other));
            }
            case "math.argmax", "argmax", "keras.ops.argmax", "math.argmin", "argmin", "keras.ops.argmin" -> {
                // one axis: TensorFlow's default (None: axis 0) is the batch axis, which kdnn's ArgReduce refuses
                boolean keras3 = function.startsWith("keras.ops.");
                cls = function.endsWith("argmax") ? "Argmax" : "Argmin";
                JsonNode axis = call.kwargs.get("axis");
                config.set("axis", axis == null || axis.isNull() ? (keras3 ? JSON.nullNode() : JSON.numberNode(0)) : axis.deepCopy());
                String type = call.kwargs.path("output_type").asText("int64");
                if (!type.equals("int64") && !type.equals("int32")) {
                    throw unsupported(file, where, function, "output_type=" + ConfigNormalizer.abbreviate(call.kwargs.get("output_type"))
                            + " (kdnn gives the indices as float32 values, as of int32 or int64)");
                }
                config.put("keepdims", call.kwargs.path("keepdims").asBoolean(false));
                if (keras3) config.put("signed_zeros", true);
                inputs.add(call.tensor(file, where, function));
            }
            case "gather", "compat.v1.gather", "keras.ops.take" -> {
                // constant indices of one axis: kdnn's Take checks them against the input
                JsonNode indices = call.kwargs.get("indices");
                boolean constant = indices != null && (indices.isIntegralNumber() || indices.isArray() && !indices.isEmpty()
                        && indices.get(0).isNumber());
                if (!constant) {
                    throw unsupported(file, where, function, "indices=" + ConfigNormalizer.abbreviate(indices)
                            + " (kdnn takes an integer or a flat list of integers in the file)");
                }
                if (call.kwargs.path("batch_dims").asInt(0) != 0) {
                    throw unsupported(file, where, function, "batch_dims=" + call.kwargs.get("batch_dims"));
                }
                cls = "Take";
                config.set("indices", indices.deepCopy());
                config.set("axis", call.kwargs.has("axis") ? call.kwargs.get("axis").deepCopy() : JSON.nullNode());
                if (function.equals("keras.ops.take")) config.put("negative_from_end", true);
                inputs.add(call.tensor(file, where, function));
            }
            case "keras.ops.image.pad_images", "keras.ops.image.crop_images" -> {
                // Keras 3's image padding and cropping, the sides worked out where the file was read
                cls = function.endsWith("pad_images") ? "ZeroPadding2D" : "Cropping2D";
                config.set(cls.equals("ZeroPadding2D") ? "padding" : "cropping", call.kwargs.get("sides").deepCopy());
                config.put("data_format", call.kwargs.path("data_format").asText("channels_last"));
                inputs.add(call.tensor(file, where, function));
            }
            case "tile", "compat.v1.tile" -> {
                // a count per axis: kdnn's Tile checks them against the input
                JsonNode multiples = call.kwargs.get("multiples");
                if (multiples == null || !multiples.isArray()) {
                    throw unsupported(file, where, function, "multiples=" + ConfigNormalizer.abbreviate(multiples)
                            + " (kdnn takes a list of counts in the file)");
                }
                cls = "Tile";
                config.set("repeats", multiples.deepCopy());
                inputs.add(call.tensor(file, where, function));
            }
            case "repeat" -> {
                cls = "Repeat";
                JsonNode repeats = call.kwargs.get("repeats");
                if (repeats == null) throw unsupported(file, where, function, "no repeats");
                config.set("repeats", repeats.deepCopy());
                config.set("axis", call.kwargs.has("axis") ? call.kwargs.get("axis").deepCopy() : JSON.nullNode());
                inputs.add(call.tensor(file, where, function));
            }
            case "keras.ops.normalize" -> {
                // Keras 3's ops.normalize (no tf.keras function computes it): kdnn's Normalize checks the arguments
                cls = "Normalize";
                for (String k : List.of("axis", "order", "epsilon")) {
                    if (call.kwargs.has(k)) config.set(k, call.kwargs.get(k).deepCopy());
                }
                inputs.add(call.tensor(file, where, function));
            }
            case "norm", "linalg.norm" -> {
                // tf.norm and Keras 3's ops.norm: the Euclidean norm over the axes given (Reduce's Norm checks ord)
                JsonNode axis = call.kwargs.get("axis");
                if (axis == null || axis.isNull()) {
                    throw unsupported(file, where, function, "axis=None (every axis, the batch's too, which mixes"
                            + " a call's samples)");
                }
                cls = "Norm";
                config.set("axis", axis.deepCopy());
                config.put("keepdims", call.kwargs.path("keepdims").asBoolean(false));
                JsonNode ord = call.kwargs.get("ord");
                if (ord == null) config.putNull("ord"); else config.set("ord", ord.deepCopy());
                inputs.add(call.tensor(file, where, function));
            }
            case "math.reduce_mean", "math.reduce_max", "math.reduce_min", "math.reduce_sum", "math.reduce_prod",
                 "math.reduce_variance", "math.reduce_std" -> {
                String kind = function.substring("math.reduce_".length()).replace("variance", "var");
                String pooling = switch (axes(call.kwargs.get("axis"))) {
                    case "[1]" -> "1D";
                    case "[1,2]" -> "2D";
                    case "[1,2,3]" -> "3D";
                    default -> null;
                };
                if (pooling != null && (kind.equals("mean") || kind.equals("max"))) {
                    // over the axes between the batch and the channels: the global pooling layer
                    cls = (kind.equals("mean") ? "GlobalAveragePooling" : "GlobalMaxPooling") + pooling;
                    config.put("data_format", "channels_last");
                } else {
                    cls = Character.toUpperCase(kind.charAt(0)) + kind.substring(1); // kdnn's Reduce: Mean, Max, ...
                    JsonNode axis = call.kwargs.get("axis");
                    if (axis == null || axis.isNull()) {
                        throw unsupported(file, where, function, "axis=None (every axis, the batch's too, which mixes"
                                + " a call's samples)");
                    }
                    config.set("axis", axis.deepCopy());
                }
                config.put("keepdims", call.kwargs.path("keepdims").asBoolean(false));
                inputs.add(call.tensor(file, where, function));
            }
            case "concat" -> {
                if (call.list == null) throw unsupported(file, where, function, "a first argument that is not a list of tensors");
                cls = "Concatenate";
                JsonNode axis = call.kwargs.get("axis");
                if (axis == null || !axis.canConvertToInt()) throw unsupported(file, where, function, "axis=" + axis);
                config.put("axis", axis.asInt());
                call.list.forEach(inputs::add);
            }
            case "stack" -> {
                if (call.list == null) throw unsupported(file, where, function, "a first argument that is not a list of tensors");
                JsonNode axis = call.kwargs.path("axis");
                if (!axis.isMissingNode() && !axis.isIntegralNumber()) throw unsupported(file, where, function, "axis=" + axis);
                cls = Stack.CLASS_NAME;
                config.put("axis", axis.asInt(0));
                call.list.forEach(inputs::add);
            }
            case "math.sqrt", "sqrt", "math.square", "square", "math.abs", "abs", "math.log", "log", "math.rsqrt",
                 "math.reciprocal", "math.reciprocal_no_nan", "math.sign", "sign", "math.floor", "floor", "math.ceil",
                 "math.round", "round", "math.sin", "math.cos", "math.tan", "math.expm1", "math.log1p", "math.erf" -> {
                JsonNode decimals = call.kwargs.path("decimals");
                if (!decimals.isMissingNode() && decimals.asInt(-1) != 0) {
                    throw unsupported(file, where, function, "decimals=" + decimals + " (kdnn rounds to integers)");
                }
                MathFunction.Function f = MATH_FUNCTIONS.get(function.startsWith("math.") ? function : "math." + function);
                if (f == null) throw unsupported(file, where, function, "0 for 1 / 0");
                cls = f.className();
                inputs.add(call.tensor(file, where, function));
            }
            case "split" -> {
                // tf.split(x, num_or_size_splits, axis=0, num=None); Keras 3's ops.split(x, indices_or_sections, axis)
                JsonNode num = call.kwargs.path("num");
                if (!num.isMissingNode() && !num.isNull()) throw unsupported(file, where, function, "num=" + num);
                cls = Split.CLASS_NAME;
                for (String key : List.of("num_or_size_splits", "indices_or_sections")) {
                    if (call.kwargs.has(key)) config.set(key, call.kwargs.get(key));
                }
                config.set("axis", call.kwargs.has("axis") ? call.kwargs.get("axis") : JSON.numberNode(0));
                inputs.add(call.tensor(file, where, function));
            }
            case "squeeze", "compat.v1.squeeze" -> {
                // tf.squeeze(x, axis) (TF 1's squeeze_dims); without axes TensorFlow removes every axis of
                // length 1, the batch too for one sample: refused by Squeeze
                JsonNode axis = call.kwargs.has("axis") ? call.kwargs.get("axis") : call.kwargs.path("squeeze_dims");
                cls = Squeeze.CLASS_NAME;
                if (!axis.isMissingNode()) config.set("axis", axis);
                inputs.add(call.tensor(file, where, function));
            }
            case "reshape" -> {
                JsonNode shape = call.kwargs.get("shape");
                if (shape == null || !shape.isArray() || shape.isEmpty() || !(shape.get(0).isNull() || shape.get(0).asInt() == -1)) {
                    throw unsupported(file, where, function, "shape=" + shape + " (kdnn reshapes each sample: the"
                            + " first dimension must be -1 or None, the batch)");
                }
                cls = "Reshape";
                ArrayNode target = config.putArray("target_shape");
                for (int i = 1; i < shape.size(); i++) {
                    if (!shape.get(i).canConvertToInt()) throw unsupported(file, where, function, "shape=" + shape);
                    target.add(shape.get(i).asInt());
                }
                inputs.add(call.tensor(file, where, function));
            }
            case "compat.v1.transpose", "transpose", "linalg.matrix_transpose" -> {
                JsonNode perm = call.kwargs.get("perm");
                if (function.equals("linalg.matrix_transpose") || perm == null || !perm.isArray() || perm.isEmpty()
                        || perm.get(0).asInt(-1) != 0 || call.kwargs.path("conjugate").asBoolean(false)) {
                    throw unsupported(file, where, function, "perm=" + perm + " (kdnn permutes the axes of each sample:"
                            + " the batch axis must stay first)");
                }
                cls = "Permute";
                ArrayNode dims = config.putArray("dims");
                for (int i = 1; i < perm.size(); i++) dims.add(perm.get(i).asInt());
                inputs.add(call.tensor(file, where, function));
            }
            case "image.resize", "compat.v1.image.resize" -> {
                JsonNode size = call.kwargs.get("size");
                String method = call.kwargs.path("method").asText("bilinear");
                if (size == null || !size.isArray() || size.size() != 2 || !size.get(0).canConvertToInt()
                        || !size.get(1).canConvertToInt()) {
                    throw unsupported(file, where, function, "size=" + size + " (kdnn resizes to a size written in the file)");
                }
                if (function.startsWith("compat.v1") || call.kwargs.path("preserve_aspect_ratio").asBoolean(false)) {
                    throw unsupported(file, where, function, "preserve_aspect_ratio or TensorFlow 1's corners");
                }
                JsonNode antialias = call.kwargs.get("antialias");
                if (antialias != null && !antialias.isNull() && !antialias.isBoolean()) {
                    throw unsupported(file, where, function, "antialias=" + antialias + " (true or false)");
                }
                cls = "Resizing";
                config.put("height", size.get(0).asInt());
                config.put("width", size.get(1).asInt());
                config.put("interpolation", method);
                // tf.image.resize's antialiasing is Resizing's (Keras 3's argument, kept only where set)
                if (antialias != null && antialias.asBoolean(false)) config.put("antialias", true);
                // Keras 3's ops.image.resize also crops or pads to the aspect ratio, in either data format
                for (String key : List.of("crop_to_aspect_ratio", "pad_to_aspect_ratio", "fill_mode", "fill_value",
                        "data_format")) {
                    JsonNode v = call.kwargs.get(key);
                    if (v != null && !v.isNull()) config.set(key, v.deepCopy());
                }
                inputs.add(call.tensor(file, where, function));
            }
            default -> {
                String activation = ACTIVATIONS.get(function);
                if (activation == null) throw unsupported(file, where, function, null);
                cls = "Activation";
                config.put("activation", activation);
                inputs.add(call.tensor(file, where, function));
            }
        }
        ObjectNode out = JSON.objectNode();
        out.put("class_name", cls);
        out.set("config", config);
        out.put("name", name);
        out.set("inbound_nodes", JSON.arrayNode().add(inputs));
        return out;
    }

    /**
     * A pooling function's window or strides as a Keras layer's tuple: one number, one per spatial
     * axis, or TensorFlow's one per axis whose batch and channel entries must be 1.
     */
    private static ArrayNode poolingTuple(JsonNode v, int rank, boolean channelsFirst, String file, String where,
                                          String function) {
        ArrayNode out = JSON.arrayNode();
        if (v != null && v.isIntegralNumber()) {
            for (int i = 0; i < rank; i++) out.add(v.asInt());
            return out;
        }
        if (v != null && v.isArray() && v.size() == 1) {
            for (int i = 0; i < rank; i++) out.add(v.get(0).asInt());
            return out;
        }
        if (v != null && v.isArray() && v.size() == rank) {
            for (JsonNode n : v) out.add(n.asInt());
            return out;
        }
        if (v != null && v.isArray() && v.size() == rank + 2) {
            int first = channelsFirst ? 2 : 1;
            boolean ones = v.get(0).asInt() == 1 && v.get(channelsFirst ? 1 : rank + 1).asInt() == 1;
            if (ones) {
                for (int i = first; i < first + rank; i++) out.add(v.get(i).asInt());
                return out;
            }
        }
        throw unsupported(file, where, function, "a window or stride of " + ConfigNormalizer.abbreviate(v) + " (kdnn pools"
                + " each sample's spatial axes: batch and channel entries 1)");
    }

    /** A GetItem key's whole slice ({@code step} null) or reversal ({@code step} -1), in Keras 3's form. */
    private static ObjectNode slice(Integer step) {
        ObjectNode s = JSON.objectNode().put("class_name", "__slice__");
        ObjectNode c = s.putObject("config").putNull("start").putNull("stop");
        if (step == null) c.putNull("step"); else c.put("step", step);
        return s;
    }

    private static ObjectNode ellipsis() {
        ObjectNode e = JSON.objectNode().put("class_name", "__ellipsis__");
        e.putObject("config");
        return e;
    }

    /** One call: its first argument (a tensor, or a constant) and its other arguments. */
    private record Call(ArrayNode tensor, JsonNode constant, JsonNode kwargs, List<ArrayNode> list) {
        static Call of(JsonNode node, String file, String where) {
            // the first argument alone: [layer, node, tensor, kwargs]; a list of tensors: [[...], [...], ...]
            boolean isList = node.isArray() && node.size() > 0 && node.get(0).isArray();
            List<ArrayNode> list = new java.util.ArrayList<>();
            if (isList) {
                for (JsonNode t : node) {
                    if (!isTensorRef(t)) {
                        throw new ModelFileException(file + ": " + where + " has an inbound node of unknown form: "
                                + ConfigNormalizer.abbreviate(node));
                    }
                    list.add(ref(t));
                }
            }
            JsonNode first = isList ? node.get(0) : node;
            if (!first.isArray() || first.size() < 3 || !first.get(0).isTextual()) {
                throw new ModelFileException(file + ": " + where + " has an inbound node of unknown form: "
                        + ConfigNormalizer.abbreviate(node));
            }
            JsonNode kwargs = first.size() > 3 && first.get(3).isObject() ? first.get(3) : JSON.objectNode();
            if (isList) return new Call(null, null, kwargs, list);
            if (first.get(0).asText().equals(CONSTANT)) return new Call(null, first.get(2), kwargs, null);
            return new Call(ref(first), null, kwargs, null);
        }

        /** The one tensor the function is called on. */
        ArrayNode tensor(String file, String where, String function) {
            if (list != null) {
                throw new ModelFileException(file + ": " + where + " is called on " + list.size() + " tensors at once; kdnn"
                        + " reads tf." + function + " of one tensor (and a second as an argument)");
            }
            if (tensor == null) throw unsupported(file, where, function, "a constant first argument");
            return tensor;
        }
    }

    private static boolean isTensorRef(JsonNode v) {
        return v != null && v.isArray() && v.size() >= 3 && v.get(0).isTextual() && !v.get(0).asText().equals(CONSTANT)
                && v.get(1).canConvertToInt() && v.get(2).canConvertToInt();
    }

    private static boolean isConstant(JsonNode v) {
        if (v == null) return false;
        if (v.isNumber()) return true;
        if (!v.isArray() || v.isEmpty()) return false;
        for (JsonNode x : v) if (!x.isNumber()) return false;
        return true;
    }

    /** [layer, node, tensor, {}]: a tensor reference without the call's other arguments. */
    private static ArrayNode ref(JsonNode r) {
        return JSON.arrayNode().add(r.get(0).asText()).add(r.get(1).asInt()).add(r.get(2).asInt()).add(JSON.objectNode());
    }

    private static JsonNode negated(JsonNode y) {
        if (y.isNumber()) return JSON.numberNode(-y.asDouble());
        ArrayNode out = JSON.arrayNode();
        for (JsonNode x : y) out.add(-x.asDouble());
        return out;
    }

    /** 1 / y where multiplying by it rounds as dividing by y does (y a power of two), else null. */
    private static JsonNode reciprocal(JsonNode y) {
        ArrayNode list = JSON.arrayNode();
        for (JsonNode x : y.isNumber() ? JSON.arrayNode().add(y) : y) {
            float f = (float) x.asDouble();
            float r = 1f / f;
            if (Math.abs(f) != Math.scalb(1f, Math.getExponent(f)) || !Float.isFinite(r)) return null;
            list.add((double) r);
        }
        return y.isNumber() ? list.get(0) : list;
    }

    private static String axes(JsonNode axis) {
        if (axis == null || axis.isNull()) return "all";
        if (axis.isNumber()) return "[" + axis.asInt() + "]";
        StringBuilder s = new StringBuilder("[");
        for (JsonNode a : axis) s.append(s.length() > 1 ? "," : "").append(a.asInt());
        return s.append("]").toString();
    }

    private static ModelFileException unsupported(String file, String where, String function, String detail) {
        return new ModelFileException(file + ": " + where + " computes " + (function.startsWith("keras.ops.") ? "" : "tf.")
                + function
                + (detail == null ? "" : " with " + detail) + ", which kdnn does not translate. It translates tf.keras'"
                + " TFOpLambda of +, -, * by constants or tensors, / by constants, tf.nn.bias_add of a constant,"
                + " tf.math.maximum and minimum of two tensors, tf.nn and tf.math activations (relu, relu6, leaky_relu, sigmoid, tanh, silu, swish, elu, selu, gelu, softplus, softsign,"
                + " exp, softmax), tf.math.negative, tf.math.reduce_mean, reduce_max, reduce_min, reduce_sum and"
                + " reduce_prod over axes other than the batch's, tf.math.argmax and argmin along one of them, tf.math.reduce_logsumexp,"
                + " tf.concat, tf.stack, tf.reshape, tf.transpose, tf.expand_dims and tf.reverse of each sample, tf.pad"
                + " with zeros around the spatial axes, tf.cast to float32,"
                + " tf.math.l2_normalize, tf.math.sqrt, square, abs, log, rsqrt, reciprocal, sign, floor, ceil, round,"
                + " sin, cos, tan, expm1, log1p and erf, tf.clip_by_value and tf.math.pow by constants, tf.linalg.matmul"
                + " of two tensors, tf.squeeze of named axes,"
                + " x[key] (integers, slices, ..., None), and tf.image.resize to a fixed size");
    }
}
