package kdnn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kdnn.bench.OnnxModels.Pb;
import kdnn.layers.Layer;
import kdnn.layers.Weight;
import kdnn.model.Model;

/**
 * A Keras 2 or 3 functional or Sequential config with a kdnn model's weights, as an ONNX graph for
 * ONNX Runtime: NCHW throughout (input "X" and output "Y" too, as an ONNX user feeds it), one ONNX
 * operator per Keras operation: Conv (Conv1D/2D, DepthwiseConv2D, with explicit pads for 'same'
 * and 'causal'; SeparableConv1D/2D as a grouped Conv and a 1x1 one), ConvTranspose,
 * BatchNormalization, Relu/Clip/Sigmoid/Tanh/Softmax (swish as Sigmoid and Mul), Pad, Slice
 * (Cropping1D/2D), Add/Sum, Mul, Concat, MaxPool, AveragePool, GlobalAveragePool + Flatten, Gemm, Rescaling and
 * Normalization as Mul and Add, Reshape of channels to (1, 1, C) as squeeze-and-excitation does;
 * for ConvNeXt LayerNormalization and Dense on the channels of a map (channels-last between a
 * pair of Transposes), gelu as Erf, LayerScale as Mul, tf.keras' {@code x + y} (a TFOpLambda) as
 * Add, and a nested Sequential's layers in line. A layer it does not know is refused
 * with {@link UnsupportedOperationException} naming it.
 */
final class OnnxGraphs {
    private static final int INT64 = 7;
    private static final int ATTR_FLOAT = 1;
    private static final int ATTR_INT = 2;
    private static final int ATTR_STRING = 3;

    private final Map<String, Layer> layers = new HashMap<>(); // the model's, nested models' included, by name
    private final Pb graph = new Pb();
    private final Map<String, long[]> shapes = new HashMap<>(); // Keras shapes by tensor (layer) name
    private int constants;

    private OnnxGraphs(Model model) {
        for (Layer l : model.allLayers()) layers.put(l.name(), l);
    }

    /**
     * The ONNX model bytes of {@code config} (a Keras 2 or 3 functional or Sequential config) with
     * {@code model}'s weights, for this input shape.
     */
    static byte[] model(JsonNode config, Model model, long[] inputShape) {
        OnnxGraphs g = new OnnxGraphs(model);
        JsonNode top = config.has("config") ? config.get("config") : config;
        List<JsonNode> layers = functional(config, top);
        // Keras 2: [[name, node, tensor], ...]; Keras 3 writes a single output as [name, node, tensor]
        JsonNode outputs = top.path("output_layers");
        long inputs = layers.stream().filter(l -> l.path("class_name").asText().equals("InputLayer")).count();
        int outputCount = outputs.path(0).isArray() ? outputs.size() : 1;
        if (inputs > 1 || outputCount > 1) {
            throw unsupported("a model of " + inputs + " inputs and " + outputCount + " outputs", top.path("name").asText());
        }
        String output = !top.has("output_layers") ? name(layers.get(layers.size() - 1))
                : outputs.get(0).isArray() ? outputs.get(0).get(0).asText() : outputs.get(0).asText();
        for (JsonNode l : layers) g.layer(l, inputShape);
        long[] outShape = g.shapes.get(output);
        g.node("Identity", List.of(output), "Y");
        g.graph.string(2, top.path("name").asText("model"));
        g.graph.message(11, OnnxModels.valueInfo("X", OnnxModels.toChannelsFirst(inputShape)));
        g.graph.message(12, OnnxModels.valueInfo("Y", outShape.length > 2 ? OnnxModels.toChannelsFirst(outShape) : outShape));
        return new Pb().int64(1, OnnxModels.IR_VERSION).string(2, "kdnn-bench").message(7, g.graph)
                .message(8, new Pb().string(1, "").int64(2, OnnxModels.OPSET)).bytes();
    }

    /**
     * The layers of a functional config as they are; those of a Sequential one (with or without its
     * InputLayer, Keras 2 or 3) each given the one before as its input, after an InputLayer.
     */
    private static List<JsonNode> functional(JsonNode config, JsonNode top) {
        JsonNode layers = top.isArray() ? top : top.path("layers"); // Keras 2.0's Sequential: the list alone
        List<JsonNode> out = new ArrayList<>();
        if (!config.path("class_name").asText().equals("Sequential")) {
            layers.forEach(out::add);
            return out;
        }
        String previous = null;
        for (JsonNode l : layers) {
            ObjectNode linked = l.deepCopy();
            if (previous == null && !l.path("class_name").asText().equals("InputLayer")) {
                var input = JsonNodeFactory.instance.objectNode().put("class_name", "InputLayer");
                input.putObject("config").put("name", "input");
                out.add(input);
                previous = "input";
            }
            if (previous != null) {
                linked.putArray("inbound_nodes").addArray().addArray().add(previous).add(0).add(0).addObject();
            }
            out.add(linked);
            previous = name(l);
        }
        return out;
    }

    /**
     * The layers a call reads: Keras 2's {@code [[name, node, tensor, kwargs], ...]}, or Keras 3's
     * {@code {"args": [...]}} whose keras tensors (alone or in a list, as a merge takes them) name theirs.
     */
    private static List<String> inputsOf(JsonNode node) {
        List<String> in = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode ref : node) in.add(ref.get(0).asText());
        } else {
            collectKerasTensors(node.path("args"), in);
        }
        return in;
    }

    private static void collectKerasTensors(JsonNode v, List<String> into) {
        if (v.isArray()) {
            for (JsonNode e : v) collectKerasTensors(e, into);
        } else if (v.path("class_name").asText().equals("__keras_tensor__")) {
            into.add(v.path("config").path("keras_history").get(0).asText());
        }
    }

    private static String name(JsonNode l) {
        return l.path("config").path("name").asText(l.path("name").asText());
    }

    private void layer(JsonNode l, long[] inputShape) {
        String cls = l.path("class_name").asText();
        JsonNode c = l.path("config");
        String name = name(l);
        if (cls.equals("InputLayer")) {
            shapes.put(name, inputShape.clone());
            node("Identity", List.of("X"), name);
            return;
        }
        if (cls.equals("TFOpLambda")) {
            // tf.keras' `x + y` of two tensors: its node is [x, 0, 0, {"y": [y, 0, 0], ...}]
            // and MobileNetV3's `x + 3.0` and `x * (1.0 / 6.0)`: [x, 0, 0, {"y": 3.0, ...}]
            JsonNode call = l.path("inbound_nodes").path(0);
            JsonNode y = call.path(3).path("y");
            String function = c.path("function").asText();
            String op = function.equals("__operators__.add") ? "Add" : function.equals("math.multiply") ? "Mul" : null;
            if (op == null || !call.path(0).isTextual() || !y.isArray() && !y.isNumber()) {
                throw unsupported("TFOpLambda " + function, name);
            }
            shapes.put(name, shapes.get(call.get(0).asText()).clone());
            node(op, List.of(call.get(0).asText(), y.isArray() ? y.get(0).asText()
                    : constant(new long[0], new float[] {y.floatValue()})), name);
            return;
        }
        List<String> in = inputsOf(l.path("inbound_nodes").path(0));
        if (in.isEmpty()) throw unsupported("a layer without inbound nodes", name);
        if (cls.equals("Sequential")) {
            nestedSequential(c, name, in.get(0), inputShape);
            return;
        }
        if (Set.of("Model", "Functional").contains(cls)) throw unsupported("a nested functional model", name);
        Layer layer = layers.get(name);
        if (layer == null) throw unsupported("a layer the model does not hold", name);
        List<long[]> inShapes = in.stream().map(shapes::get).toList();
        long[] out = layer.computeOutputShape(inShapes);
        shapes.put(name, out);
        long[] x = inShapes.get(0);
        int rank = x.length - 2;
        List<Weight> w = layer.getWeights();
        switch (cls) {
            case "Conv1D", "Conv2D", "DepthwiseConv2D" -> conv(cls, c, name, in.get(0), x, w);
            case "SeparableConv1D", "SeparableConv2D" -> separableConv(cls, c, name, in.get(0), x, w);
            case "Cropping1D", "Cropping2D" -> cropping(c, name, in.get(0), x);
            case "UpSampling2D" -> upSampling(c, name, in.get(0), x);
            // the identity at inference
            case "Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
                 "ActivityRegularization" -> node("Identity", in, name);
            case "Conv2DTranspose" -> convTranspose(c, name, in.get(0), x, out, w);
            case "BatchNormalization" -> batchNorm(c, name, in.get(0), w);
            case "Activation" -> activation(c.path("activation").asText(), in.get(0), name, rank);
            case "ReLU" -> relu(c, in.get(0), name);
            case "ZeroPadding2D", "ZeroPadding1D" -> zeroPadding(c, name, in.get(0), rank);
            case "Add" -> node(in.size() == 2 ? "Add" : "Sum", in, name);
            case "Multiply" -> chain("Mul", in, name);
            case "Concatenate" -> {
                int axis = c.path("axis").asInt(-1);
                if (axis != -1 && axis != rank + 1) throw unsupported(cls + " on axis " + axis, name);
                node("Concat", in, name, new Pb().string(1, "axis").int64(3, 1).int64(20, ATTR_INT));
            }
            case "MaxPooling2D", "MaxPooling1D" -> pool("MaxPool", c, name, in.get(0), x);
            // TensorFlow's 'same' average leaves the padding out of the count, as ONNX's count_include_pad 0 does
            case "AveragePooling2D", "AveragePooling1D" -> pool("AveragePool", c, name, in.get(0), x);
            case "GlobalAveragePooling2D", "GlobalAveragePooling1D" -> {
                // ONNX's pooled NCHW tensor (N, C, 1, 1) is the kept dimensions' form
                if (c.path("keepdims").asBoolean(false)) {
                    node("GlobalAveragePool", in, name);
                    return;
                }
                node("GlobalAveragePool", in, name + "/pooled");
                node("Flatten", List.of(name + "/pooled"), name);
            }
            case "Dense" -> {
                if (x.length == 2) {
                    dense(c, name, in.get(0), x, w);
                } else {
                    String pre = lastAxisOp(name, in.get(0), x.length, (from, to) -> denseOnLastAxis(from, to, w));
                    activation(c.path("activation").asText("linear"), pre, name, rank);
                }
            }
            case "LayerNormalization" -> layerNormalization(c, name, in.get(0), x, w);
            case "LayerScale" -> node("Mul", List.of(in.get(0), channelConstant(w.get(0).values(), x.length - 2)), name);
            case "Rescaling" -> rescaling(c, name, in.get(0), rank);
            case "Normalization" -> normalization(c, name, in.get(0), x, w);
            case "Reshape" -> reshape(c, name, in.get(0), x, out);
            case "Flatten" -> {
                // NCHW and NHWC flatten alike only where the spatial axes hold one position
                for (int i = 1; i < x.length - 1; i++) if (x[i] != 1) throw unsupported(cls + " of spatial values", name);
                node("Flatten", in, name);
            }
            default -> throw unsupported(cls, name);
        }
    }

    private static UnsupportedOperationException unsupported(String what, String layer) {
        return new UnsupportedOperationException("no ONNX export for " + what + " (layer \"" + layer + "\")");
    }

    private void conv(String cls, JsonNode c, String name, String in, long[] x, List<Weight> w) {
        if (!c.path("data_format").asText("channels_last").equals("channels_last")) {
            throw unsupported(cls + " channels_first", name);
        }
        boolean depthwise = cls.equals("DepthwiseConv2D");
        String pre = name + "/pre";
        convNode(c, pre, in, x, w.get(0), w.size() > 1 ? w.get(1) : null, depthwise,
                depthwise ? x[x.length - 1] : c.path("groups").asLong(1));
        activation(c.path("activation").asText("linear"), pre, name, x.length - 2);
    }

    /** A depthwise convolution with the layer's padding, strides and dilation, then a 1x1 one with its bias. */
    private void separableConv(String cls, JsonNode c, String name, String in, long[] x, List<Weight> w) {
        if (!c.path("data_format").asText("channels_last").equals("channels_last")) {
            throw unsupported(cls + " channels_first", name);
        }
        String depthwise = name + "/depthwise";
        convNode(c, depthwise, in, x, w.get(0), null, true, x[x.length - 1]);
        int rank = x.length - 2;
        long[] mid = x.clone();
        mid[rank + 1] = (long) w.get(0).shape()[rank] * w.get(0).shape()[rank + 1];
        var pointwise = JsonNodeFactory.instance.objectNode().put("padding", "valid");
        String pre = name + "/pre";
        convNode(pointwise, pre, depthwise, mid, w.get(1), w.size() > 2 ? w.get(2) : null, false, 1);
        activation(c.path("activation").asText("linear"), pre, name, rank);
    }

    /**
     * An ONNX Conv of a Keras kernel ({@code (k..., in, out)}, or {@code (k..., C, m)} when
     * {@code depthwise}) on an NHWC-shaped input {@code x}, with {@code c}'s padding, strides and dilation.
     */
    private void convNode(JsonNode c, String out, String in, long[] x, Weight kernel, Weight bias, boolean depthwise,
                          long group) {
        int rank = x.length - 2;
        int[] ks = kernel.shape();
        long[] k = new long[rank];
        for (int i = 0; i < rank; i++) k[i] = ks[i];
        long[] strides = longs(c.path("strides"), rank, 1);
        long[] dilation = longs(c.path("dilation_rate"), rank, 1);
        float[] onnxKernel;
        long[] onnxShape;
        if (depthwise) {
            // (k..., C, m) -> (C * m, 1, k...): output channel c * m + j
            int[] perm = new int[rank + 2];
            perm[0] = rank;
            perm[1] = rank + 1;
            for (int i = 0; i < rank; i++) perm[i + 2] = i;
            onnxKernel = OnnxModels.permute(kernel.values(), ks, perm);
            onnxShape = new long[rank + 2];
            onnxShape[0] = (long) ks[rank] * ks[rank + 1];
            onnxShape[1] = 1;
            System.arraycopy(k, 0, onnxShape, 2, rank);
        } else {
            int[] perm = OnnxModels.kernelPerm(rank);
            onnxKernel = OnnxModels.permute(kernel.values(), ks, perm);
            onnxShape = new long[rank + 2];
            for (int i = 0; i < perm.length; i++) onnxShape[i] = ks[perm[i]];
        }
        List<String> inputs = new ArrayList<>(List.of(in, constant(onnxShape, onnxKernel)));
        if (bias != null) inputs.add(constant(new long[] {bias.values().length}, bias.values()));
        long[] pads = new long[2 * rank];
        String padding = c.path("padding").asText("valid").toLowerCase(java.util.Locale.ROOT);
        for (int i = 0; i < rank; i++) {
            long span = (k[i] - 1) * dilation[i] + 1;
            long size = x[1 + i];
            if (padding.equals("same")) {
                long outSize = (size + strides[i] - 1) / strides[i];
                long total = Math.max((outSize - 1) * strides[i] + span - size, 0);
                pads[i] = total / 2;
                pads[i + rank] = total - total / 2;
            } else if (padding.equals("causal")) {
                pads[i] = span - 1;
            }
        }
        node("Conv", inputs, out, OnnxModels.ints("kernel_shape", k), OnnxModels.ints("strides", strides),
                OnnxModels.ints("dilations", dilation), OnnxModels.ints("pads", pads),
                new Pb().string(1, "group").int64(3, group).int64(20, ATTR_INT));
    }

    /**
     * UpSampling2D as an ONNX Resize by its factors: {@code nearest} picks pixel {@code floor(i / s)}
     * (asymmetric coordinates), {@code bilinear} samples at half-pixel centres as TensorFlow 2 does.
     */
    private void upSampling(JsonNode c, String name, String in, long[] x) {
        if (!c.path("data_format").asText("channels_last").equals("channels_last")) {
            throw unsupported("UpSampling2D channels_first", name);
        }
        long[] size = longs(c.path("size"), 2, 2);
        String interpolation = c.path("interpolation").asText("nearest");
        Pb[] attributes = switch (interpolation) {
            case "nearest" -> new Pb[] {text("mode", "nearest"), text("coordinate_transformation_mode", "asymmetric"),
                    text("nearest_mode", "floor")};
            case "bilinear" -> new Pb[] {text("mode", "linear"), text("coordinate_transformation_mode", "half_pixel")};
            default -> throw unsupported("UpSampling2D interpolation " + interpolation, name);
        };
        String scales = constant(new long[] {4}, new float[] {1, 1, size[0], size[1]});
        node("Resize", List.of(in, "", scales), name, attributes);
    }

    private static Pb text(String attribute, String value) {
        return new Pb().string(1, attribute).string(4, value).int64(20, ATTR_STRING);
    }

    /** Keras' cropping (a number, a pair, or a pair per axis) as an ONNX Slice of the spatial axes. */
    private void cropping(JsonNode c, String name, String in, long[] x) {
        int rank = x.length - 2;
        if (!c.path("data_format").asText("channels_last").equals("channels_last")) {
            throw unsupported("Cropping channels_first", name);
        }
        JsonNode crop = c.path("cropping");
        long[] starts = new long[rank];
        long[] ends = new long[rank];
        long[] axes = new long[rank];
        for (int i = 0; i < rank; i++) {
            JsonNode pair = crop.isNumber() ? crop : rank == 1 ? crop : crop.get(i);
            long before = pair.isArray() ? pair.get(0).asLong() : pair.asLong();
            long after = pair.isArray() ? pair.get(1).asLong() : pair.asLong();
            starts[i] = before;
            ends[i] = x[1 + i] - after;
            axes[i] = 2 + i; // NCHW
        }
        node("Slice", List.of(in, int64Constant(starts), int64Constant(ends), int64Constant(axes)), name);
    }

    private void convTranspose(JsonNode c, String name, String in, long[] x, long[] out, List<Weight> w) {
        int rank = x.length - 2;
        Weight kernel = w.get(0);
        int[] ks = kernel.shape();
        long[] k = new long[rank];
        for (int i = 0; i < rank; i++) k[i] = ks[i];
        long[] strides = longs(c.path("strides"), rank, 1);
        String padding = c.path("padding").asText("valid").toLowerCase(java.util.Locale.ROOT);
        for (int i = 0; i < rank; i++) {
            boolean exact = out[1 + i] == x[1 + i] * strides[i] + (padding.equals("valid") ? Math.max(k[i] - strides[i], 0) : 0);
            if (!(padding.equals("valid") || k[i] == strides[i]) || !exact || !c.path("output_padding").isNull()
                    && !c.path("output_padding").isMissingNode()) {
                throw unsupported("Conv2DTranspose with padding " + padding, name);
            }
        }
        // Keras (k..., out, in) -> ONNX (in, out, k...)
        int[] perm = new int[rank + 2];
        perm[0] = rank + 1;
        perm[1] = rank;
        for (int i = 0; i < rank; i++) perm[i + 2] = i;
        float[] onnxKernel = OnnxModels.permute(kernel.values(), ks, perm);
        long[] onnxShape = new long[rank + 2];
        for (int i = 0; i < perm.length; i++) onnxShape[i] = ks[perm[i]];
        List<String> inputs = new ArrayList<>(List.of(in, constant(onnxShape, onnxKernel)));
        if (w.size() > 1) inputs.add(constant(new long[] {w.get(1).values().length}, w.get(1).values()));
        String pre = name + "/pre";
        node("ConvTranspose", inputs, pre, OnnxModels.ints("kernel_shape", k), OnnxModels.ints("strides", strides));
        activation(c.path("activation").asText("linear"), pre, name, rank);
    }

    private void batchNorm(JsonNode c, String name, String in, List<Weight> w) {
        Map<String, float[]> byName = new HashMap<>();
        for (Weight x : w) byName.put(x.name().replaceAll(".*/", "").replaceAll(":\\d+$", ""), x.values());
        float[] mean = byName.get("moving_mean");
        int n = mean.length;
        float[] gamma = byName.getOrDefault("gamma", ones(n));
        float[] beta = byName.getOrDefault("beta", new float[n]);
        long[] d = {n};
        node("BatchNormalization", List.of(in, constant(d, gamma), constant(d, beta), constant(d, mean),
                constant(d, byName.get("moving_variance"))), name,
                new Pb().string(1, "epsilon").float32(2, (float) c.path("epsilon").asDouble(1e-3)).int64(20, ATTR_FLOAT));
    }

    private void relu(JsonNode c, String in, String name) {
        if (c.path("negative_slope").asDouble(0) != 0 || c.path("threshold").asDouble(0) != 0) {
            throw unsupported("ReLU with negative_slope or threshold", name);
        }
        JsonNode max = c.path("max_value");
        if (max.isNumber()) {
            node("Clip", List.of(in, constant(new long[0], new float[] {0}), constant(new long[0], new float[] {max.floatValue()})),
                    name);
        } else {
            node("Relu", List.of(in), name);
        }
    }

    private void activation(String activation, String in, String name, int rank) {
        switch (activation) {
            case "linear" -> node("Identity", List.of(in), name);
            case "relu" -> node("Relu", List.of(in), name);
            case "sigmoid" -> node("Sigmoid", List.of(in), name);
            case "tanh" -> node("Tanh", List.of(in), name);
            // Keras' exact gelu, 0.5 x (1 + erf(x / sqrt 2)): the pattern ORT fuses into one Gelu
            case "gelu" -> {
                node("Div", List.of(in, constant(new long[0], new float[] {(float) Math.sqrt(2)})), name + "/scaled");
                node("Erf", List.of(name + "/scaled"), name + "/erf");
                node("Add", List.of(name + "/erf", constant(new long[0], new float[] {1})), name + "/plus1");
                node("Mul", List.of(in, name + "/plus1"), name + "/times");
                node("Mul", List.of(name + "/times", constant(new long[0], new float[] {0.5f})), name);
            }
            // x sigmoid(x), as converters write Keras' swish
            case "swish", "silu" -> {
                node("Sigmoid", List.of(in), name + "/sigmoid");
                node("Mul", List.of(in, name + "/sigmoid"), name);
            }
            // Keras' last axis: the channels, axis 1 in NCHW
            case "softmax" -> node("Softmax", List.of(in), name,
                    new Pb().string(1, "axis").int64(3, rank > 0 ? 1 : -1).int64(20, ATTR_INT));
            default -> throw unsupported("activation " + activation, name);
        }
    }

    private void zeroPadding(JsonNode c, String name, String in, int rank) {
        long[] pads = new long[2 * (rank + 2)];
        JsonNode p = c.path("padding");
        for (int i = 0; i < rank; i++) {
            JsonNode pair = rank == 1 ? p : p.get(i);
            pads[2 + i] = pair.isArray() ? pair.get(0).asLong() : pair.asLong();
            pads[rank + 2 + 2 + i] = pair.isArray() ? pair.get(1).asLong() : pair.asLong();
        }
        node("Pad", List.of(in, int64Constant(pads)), name);
    }

    private void pool(String op, JsonNode c, String name, String in, long[] x) {
        int rank = x.length - 2;
        long[] k = longs(c.path("pool_size"), rank, 2);
        long[] strides = c.path("strides").isNull() || c.path("strides").isMissingNode() ? k : longs(c.path("strides"), rank, 1);
        long[] pads = new long[2 * rank];
        if (c.path("padding").asText("valid").equalsIgnoreCase("same")) {
            for (int i = 0; i < rank; i++) {
                long outSize = (x[1 + i] + strides[i] - 1) / strides[i];
                long total = Math.max((outSize - 1) * strides[i] + k[i] - x[1 + i], 0);
                pads[i] = total / 2;
                pads[i + rank] = total - total / 2;
            }
        }
        node(op, List.of(in), name, OnnxModels.ints("kernel_shape", k), OnnxModels.ints("strides", strides),
                OnnxModels.ints("pads", pads));
    }

    private void dense(JsonNode c, String name, String in, long[] x, List<Weight> w) {
        if (x.length != 2) throw unsupported("Dense on a rank-" + x.length + " input", name);
        Weight kernel = w.get(0);
        List<String> inputs = new ArrayList<>(List.of(in, constant(new long[] {kernel.shape()[0], kernel.shape()[1]},
                kernel.values())));
        if (w.size() > 1) inputs.add(constant(new long[] {w.get(1).values().length}, w.get(1).values()));
        String pre = name + "/pre";
        node("Gemm", inputs, pre);
        activation(c.path("activation").asText("linear"), pre, name, 0);
    }

    /** {@code x * scale + offset}, each a number or one per channel (NCHW's axis 1). */
    private void rescaling(JsonNode c, String name, String in, int rank) {
        String scaled = name + "/scaled";
        node("Mul", List.of(in, perChannel(c.path("scale"), rank)), scaled);
        node("Add", List.of(scaled, perChannel(c.path("offset"), rank)), name);
    }

    private String perChannel(JsonNode v, int rank) {
        if (!v.isArray()) return constant(new long[0], new float[] {v.floatValue()});
        float[] values = new float[v.size()];
        for (int i = 0; i < values.length; i++) values[i] = v.get(i).floatValue();
        return channelConstant(values, rank);
    }

    /** Values along the channels, shaped to broadcast against an NCHW tensor of {@code rank} spatial axes. */
    private String channelConstant(float[] values, int rank) {
        long[] dims = new long[rank + 1];
        java.util.Arrays.fill(dims, 1);
        dims[0] = values.length;
        return constant(dims, values);
    }

    /** Keras' {@code (x - mean) / max(sqrt(variance), 1e-7)} along the channels, as a Mul and an Add. */
    private void normalization(JsonNode c, String name, String in, long[] x, List<Weight> w) {
        JsonNode axis = c.path("axis");
        int last = x.length - 1;
        boolean channels = axis.isInt() ? axis.asInt() == -1 || axis.asInt() == last
                : axis.size() == 1 && (axis.get(0).asInt() == -1 || axis.get(0).asInt() == last);
        if (!channels || c.path("invert").asBoolean(false)) throw unsupported("Normalization other than over the channels", name);
        // adapted statistics are weights; given ones sit in the config
        float[] mean = w.isEmpty() ? floats(c.path("mean")) : w.get(0).values();
        float[] variance = w.isEmpty() ? floats(c.path("variance")) : w.get(1).values();
        float[] scale = new float[mean.length];
        float[] shift = new float[mean.length];
        for (int i = 0; i < mean.length; i++) {
            scale[i] = (float) (1 / Math.max(Math.sqrt(variance[i]), 1e-7));
            shift[i] = -mean[i] * scale[i];
        }
        String scaled = name + "/scaled";
        node("Mul", List.of(in, channelConstant(scale, x.length - 2)), scaled);
        node("Add", List.of(scaled, channelConstant(shift, x.length - 2)), name);
    }

    /** The one Reshape CNNs use around squeeze-and-excitation: channels to (1, ..., 1, channels). */
    private void reshape(JsonNode c, String name, String in, long[] x, long[] out) {
        long size = 1;
        for (int i = 1; i < out.length - 1; i++) size *= out[i];
        if (x.length != 2 || size != 1) throw unsupported("Reshape other than channels to (1, ..., 1, channels)", name);
        long[] nchw = new long[out.length];
        java.util.Arrays.fill(nchw, 1);
        nchw[0] = 0; // ONNX: the input's own batch
        nchw[1] = out[out.length - 1];
        node("Reshape", List.of(in, int64Constant(nchw)), name);
    }

    /** A nested Sequential's layers in turn, the first reading the Sequential's input, the last its name. */
    private void nestedSequential(JsonNode c, String name, String in, long[] inputShape) {
        String previous = in;
        for (JsonNode member : c.path("layers")) {
            if (member.path("class_name").asText().equals("InputLayer")) continue;
            ObjectNode linked = member.deepCopy();
            String memberName = member.path("config").path("name").asText();
            linked.put("name", memberName);
            linked.putArray("inbound_nodes").addArray().addArray().add(previous).add(0).add(0).addObject();
            layer(linked, inputShape);
            previous = memberName;
        }
        shapes.put(name, shapes.get(previous).clone());
        node("Identity", List.of(previous), name);
    }

    /** An operation on the last Keras axis: NCHW turned channels-last around it (ORT cancels the pairs of transposes). */
    private String lastAxisOp(String name, String in, int rank, java.util.function.BiConsumer<String, String> op) {
        long[] toLast = new long[rank];
        long[] toFirst = new long[rank];
        toLast[rank - 1] = 1;
        toFirst[1] = rank - 1;
        for (int i = 1; i < rank - 1; i++) {
            toLast[i] = i + 1;
            toFirst[i + 1] = i;
        }
        node("Transpose", List.of(in), name + "/last", OnnxModels.ints("perm", toLast));
        op.accept(name + "/last", name + "/done");
        node("Transpose", List.of(name + "/done"), name + "/pre", OnnxModels.ints("perm", toFirst));
        return name + "/pre";
    }

    private void denseOnLastAxis(String in, String out, List<Weight> w) {
        Weight kernel = w.get(0);
        String product = w.size() > 1 ? out + "/product" : out;
        node("MatMul", List.of(in, constant(new long[] {kernel.shape()[0], kernel.shape()[1]}, kernel.values())), product);
        if (w.size() > 1) node("Add", List.of(product, constant(new long[] {w.get(1).values().length}, w.get(1).values())), out);
    }

    /** Over the channels alone, as ONNX's LayerNormalization (opset 17) on the last axis. */
    private void layerNormalization(JsonNode c, String name, String in, long[] x, List<Weight> w) {
        JsonNode axis = c.path("axis");
        int a = axis.isArray() ? (axis.size() == 1 ? axis.get(0).asInt() : Integer.MIN_VALUE) : axis.asInt(-1);
        if (a != -1 && a != x.length - 1) throw unsupported("LayerNormalization other than over the channels", name);
        int channels = (int) x[x.length - 1];
        boolean center = c.path("center").asBoolean(true);
        boolean scale = c.path("scale").asBoolean(true);
        float[] gamma = scale ? w.get(0).values() : ones(channels);
        float[] beta = center ? w.get(scale ? 1 : 0).values() : new float[channels];
        java.util.function.BiConsumer<String, String> norm = (from, to) -> node("LayerNormalization",
                List.of(from, constant(new long[] {channels}, gamma), constant(new long[] {channels}, beta)), to,
                new Pb().string(1, "axis").int64(3, -1).int64(20, ATTR_INT),
                new Pb().string(1, "epsilon").float32(2, (float) c.path("epsilon").asDouble(1e-3)).int64(20, ATTR_FLOAT));
        if (x.length == 2) {
            norm.accept(in, name);
        } else {
            node("Identity", List.of(lastAxisOp(name, in, x.length, norm)), name);
        }
    }

    private static float[] floats(JsonNode v) {
        if (!v.isArray()) return new float[] {v.floatValue()};
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = v.get(i).floatValue();
        return out;
    }

    private void chain(String op, List<String> in, String name) {
        String acc = in.get(0);
        for (int i = 1; i < in.size(); i++) {
            String to = i == in.size() - 1 ? name : name + "/" + i;
            node(op, List.of(acc, in.get(i)), to);
            acc = to;
        }
    }

    private void node(String op, List<String> inputs, String output, Pb... attributes) {
        Pb n = new Pb();
        for (String i : inputs) n.string(1, i);
        n.string(2, output).string(3, output + "/" + op).string(4, op);
        for (Pb a : attributes) n.message(5, a);
        graph.message(1, n);
    }

    private String constant(long[] dims, float[] values) {
        String name = "const" + constants++;
        graph.message(5, OnnxModels.tensor(name, dims, values));
        return name;
    }

    private String int64Constant(long[] values) {
        String name = "const" + constants++;
        ByteBuffer raw = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(values);
        graph.message(5, new Pb().int64(1, values.length).int64(2, INT64).string(8, name).bytes(9, raw.array()));
        return name;
    }

    private static long[] longs(JsonNode v, int rank, long fallback) {
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            out[i] = v.isArray() ? v.get(i).asLong() : v.isNumber() ? v.asLong() : fallback;
        }
        return out;
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }
}
