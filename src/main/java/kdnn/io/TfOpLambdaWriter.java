package kdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.Map;
import kdnn.layers.ConstantFunction;
import kdnn.layers.MathFunction;

/**
 * The Keras 2 form of a model config with kdnn's operation layers written as tf.keras writes those
 * calls, in nested models too: each as the TFOpLambda of its TensorFlow function (a GetItem as the
 * SlicingOpLambda of {@code x[key]}), the call's other arguments beside its first tensor under
 * tf.keras' names ({@code [layer, node, tensor, {"y": 3.0, "name": null}]}, a tensor argument as
 * {@code [layer, node, tensor]}, a constant first argument as {@code ["_CONSTANT_VALUE", -1, value,
 * kwargs]}, tf.stack's list of tensors each with the call's arguments): what {@link TfOpLambdas}
 * reads back.
 */
final class TfOpLambdaWriter {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Map<String, MathFunction.Function> MATH_CLASSES = new java.util.HashMap<>();

    static {
        for (MathFunction.Function f : MathFunction.Function.values()) MATH_CLASSES.put(f.className(), f);
    }

    private TfOpLambdaWriter() {
    }

    static JsonNode written(JsonNode modelConfig) {
        JsonNode copy = modelConfig.deepCopy();
        writeOperations(copy);
        return copy;
    }

    private static void writeOperations(JsonNode model) {
        JsonNode layers = model.path("config").path("layers");
        for (int i = 0; i < layers.size(); i++) {
            JsonNode l = layers.get(i);
            if (l.path("config").has("layers")) {
                writeOperations(l);
                continue;
            }
            ObjectNode lambda = lambda(l);
            if (lambda != null) ((ArrayNode) layers).set(i, lambda);
        }
    }

    /** tf.keras' function of kdnn's operation class, or null for any other class. */
    private static String function(String cls) {
        return switch (cls) {
            case "TrueDivide" -> "math.truediv";
            case "Stack" -> "stack";
            case "Squeeze" -> "squeeze";
            case "Split" -> "split";
            case "Mean", "Max", "Min", "Sum", "Prod", "Std" -> "math.reduce_" + cls.toLowerCase(Locale.ROOT);
            case "Var" -> "math.reduce_variance";
            case "Norm" -> "norm";
            case "DepthToSpace" -> "nn.depth_to_space";
            case "SpaceToDepth" -> "nn.space_to_depth";
            case "Pad" -> "pad";
            case "Matmul", "ConstantMatmul" -> "linalg.matmul";
            case ConstantFunction.CLIP -> "clip_by_value";
            case ConstantFunction.POWER -> "math.pow";
            case ConstantFunction.MAXIMUM -> "math.maximum";
            case ConstantFunction.MINIMUM -> "math.minimum";
            case "GetItem" -> "__operators__.getitem";
            case "Tile" -> "tile";
            case "Take" -> "gather";
            case "Argmax" -> "math.argmax";
            case "Logsumexp" -> "math.reduce_logsumexp";
            case "Argmin" -> "math.argmin";
            case "Moments" -> "nn.moments";
            case "LocalResponseNormalization" -> "nn.local_response_normalization";
            case "RGBToGrayscale" -> "image.rgb_to_grayscale";
            case "PerImageStandardization" -> "image.per_image_standardization";
            case "Repeat" -> "repeat";
            default -> MATH_CLASSES.containsKey(cls) ? MATH_CLASSES.get(cls).tfFunction() : null;
        };
    }

    /** The TFOpLambda (or SlicingOpLambda) of kdnn's operation layer {@code l}, or null for any other layer. */
    private static ObjectNode lambda(JsonNode l) {
        String cls = l.path("class_name").asText();
        String function = function(cls);
        if (function == null) return null;
        JsonNode c = l.get("config");
        ObjectNode lambda = JSON.objectNode();
        lambda.put("class_name", cls.equals("GetItem") ? "SlicingOpLambda" : "TFOpLambda");
        ObjectNode lc = lambda.putObject("config");
        lc.set("name", c.get("name"));
        lc.put("trainable", c.path("trainable").asBoolean(true));
        lc.put("dtype", "float32");
        lc.put("function", function);
        lambda.set("name", l.get("name"));
        ArrayNode nodes = lambda.putArray("inbound_nodes");
        for (JsonNode node : l.path("inbound_nodes")) {
            if (cls.equals("Stack")) {
                // the list of tensors is the first argument: each carries the call's other arguments
                ArrayNode refs = nodes.addArray();
                for (JsonNode source : node) {
                    ObjectNode kwargs = refs.addArray().add(source.get(0)).add(source.get(1)).add(source.get(2)).addObject();
                    kwargs.set("axis", c.get("axis"));
                    kwargs.putNull("name");
                }
                continue;
            }
            JsonNode source = node.get(0);
            if (cls.equals("TrueDivide") && c.has("x")) {
                // a constant divided by the tensor: the constant first, the tensor as y
                ObjectNode kwargs = nodes.addArray().add(TfOpLambdas.CONSTANT).add(-1).add(c.get("x")).addObject();
                kwargs.set("y", ref(source));
                kwargs.putNull("name");
                continue;
            }
            ArrayNode call = nodes.addArray().add(source.get(0)).add(source.get(1)).add(source.get(2));
            arguments(cls, c, node, call.addObject());
        }
        return lambda;
    }

    /** A call's other arguments under tf.keras' names, from the layer's config and its call {@code node}. */
    private static void arguments(String cls, JsonNode c, JsonNode node, ObjectNode kwargs) {
        switch (cls) {
            // a constant divisor, or the second tensor as [layer, node, tensor]
            case "TrueDivide" -> kwargs.set("y", node.size() > 1 ? ref(node.get(1)) : c.get("y"));
            case "Squeeze" -> kwargs.set("axis", c.get("axis"));
            case ConstantFunction.CLIP -> {
                kwargs.set("clip_value_min", c.get("x_min"));
                kwargs.set("clip_value_max", c.get("x_max"));
            }
            case ConstantFunction.POWER -> kwargs.set("y", c.get("exponent"));
            case ConstantFunction.MAXIMUM, ConstantFunction.MINIMUM -> kwargs.set("y", c.get("y"));
            case "Matmul" -> {
                // b, the second tensor, as [layer, node, tensor]
                kwargs.set("b", ref(node.get(1)));
                kwargs.put("transpose_a", c.path("transpose_a").asBoolean(false));
                kwargs.put("transpose_b", c.path("transpose_b").asBoolean(false));
            }
            case "Pad" -> {
                kwargs.set("paddings", c.get("paddings"));
                kwargs.put("mode", c.path("mode").asText("constant").toUpperCase(Locale.ROOT));
                kwargs.set("constant_values", c.get("constant_values"));
            }
            case "DepthToSpace", "SpaceToDepth" -> {
                kwargs.set("block_size", c.get("block_size"));
                kwargs.set("data_format", c.get("data_format"));
            }
            case "Mean", "Max", "Min", "Sum", "Prod", "Norm", "Var", "Std", "Logsumexp" -> {
                kwargs.set("axis", c.get("axis"));
                kwargs.set("keepdims", c.get("keepdims"));
            }
            case "Split" -> {
                // Keras 3's indices as tf.split's sizes, the last one -1 (the rest)
                kwargs.set("num_or_size_splits", splitSizes(c));
                kwargs.set("axis", c.get("axis"));
                kwargs.putNull("num");
            }
            case "Tile" -> kwargs.set("multiples", c.get("repeats"));
            case "ConstantMatmul" -> {
                kwargs.set("b", c.get("b"));
                kwargs.put("transpose_a", false);
                kwargs.put("transpose_b", c.path("transpose_b").asBoolean(false));
            }
            case "LocalResponseNormalization" -> {
                for (String k : java.util.List.of("depth_radius", "bias", "alpha", "beta")) kwargs.set(k, c.get(k));
            }
            case "Moments" -> {
                kwargs.set("axes", c.get("axes"));
                kwargs.set("keepdims", c.get("keepdims"));
            }
            case "Take" -> {
                kwargs.set("indices", c.get("indices"));
                kwargs.set("axis", c.get("axis"));
                kwargs.put("batch_dims", 0);
            }
            case "Argmax", "Argmin" -> {
                kwargs.set("axis", c.get("axis"));
                kwargs.put("output_type", "int64");
            }
            case "Repeat" -> {
                kwargs.set("repeats", c.get("repeats"));
                kwargs.set("axis", c.get("axis"));
            }
            case "GetItem" -> {
                kwargs.set("slice_spec", tfKerasKey(c.get("key")));
                return; // a SlicingOpLambda's call has no name
            }
            default -> {
                // an element-wise math function: its tensor only
            }
        }
        kwargs.putNull("name");
    }

    /** A tensor reference {@code [layer, node, tensor, kwargs]} as a keyword argument's {@code [layer, node, tensor]}. */
    private static ArrayNode ref(JsonNode source) {
        return JSON.arrayNode().add(source.get(0)).add(source.get(1)).add(source.get(2));
    }

    /** tf.split's sizes of a Split's config: its own, or Keras 3's start indices as sizes ending in -1. */
    private static JsonNode splitSizes(JsonNode c) {
        if (c.has("num_or_size_splits")) return c.get("num_or_size_splits");
        JsonNode given = c.get("indices_or_sections");
        if (!given.isArray()) return given;
        ArrayNode out = JSON.arrayNode();
        int at = 0;
        for (JsonNode i : given) {
            out.add(i.asInt() - at);
            at = i.asInt();
        }
        return out.add(-1);
    }

    /** A key in Keras 3's form as tf.keras writes slice_spec: slices bare, the ellipsis without config. */
    private static JsonNode tfKerasKey(JsonNode key) {
        if (key.isArray()) {
            ArrayNode out = JSON.arrayNode();
            for (JsonNode k : key) out.add(tfKerasKey(k));
            return out;
        }
        return switch (key.path("class_name").asText("")) {
            case "__slice__" -> key.get("config").deepCopy();
            case "__ellipsis__" -> JSON.objectNode().put("class_name", "__ellipsis__");
            default -> key.deepCopy();
        };
    }
}
