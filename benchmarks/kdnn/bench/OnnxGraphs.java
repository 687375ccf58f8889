package kdnn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import kdnn.bench.OnnxModels.Pb;
import kdnn.layers.Layer;
import kdnn.layers.Weight;
import kdnn.model.Model;

/**
 * A Keras 2 functional config with a kdnn model's weights, as an ONNX graph for ONNX Runtime:
 * NCHW throughout (input "X" and output "Y" too, as an ONNX user feeds it), one ONNX operator
 * per Keras operation: Conv (Conv1D/2D, DepthwiseConv2D, with explicit pads for 'same' and
 * 'causal'), ConvTranspose, BatchNormalization, Relu/Clip/Sigmoid/Tanh/Softmax, Pad, Add/Sum,
 * Mul, Concat, MaxPool, GlobalAveragePool + Flatten, Gemm. A layer it does not know is refused
 * with {@link UnsupportedOperationException} naming it.
 */
final class OnnxGraphs {
    private static final int INT64 = 7;
    private static final int ATTR_FLOAT = 1;
    private static final int ATTR_INT = 2;

    private final Model model;
    private final Pb graph = new Pb();
    private final Map<String, long[]> shapes = new HashMap<>(); // Keras shapes by tensor (layer) name
    private int constants;

    private OnnxGraphs(Model model) {
        this.model = model;
    }

    /** The ONNX model bytes of {@code config} (a Keras 2 functional config) with {@code model}'s weights, for this input shape. */
    static byte[] model(JsonNode config, Model model, long[] inputShape) {
        OnnxGraphs g = new OnnxGraphs(model);
        JsonNode top = config.has("config") ? config.get("config") : config;
        String output = top.path("output_layers").get(0).get(0).asText();
        for (JsonNode l : top.path("layers")) g.layer(l, inputShape);
        long[] outShape = g.shapes.get(output);
        g.node("Identity", List.of(output), "Y");
        g.graph.string(2, top.path("name").asText("model"));
        g.graph.message(11, OnnxModels.valueInfo("X", OnnxModels.toChannelsFirst(inputShape)));
        g.graph.message(12, OnnxModels.valueInfo("Y", outShape.length > 2 ? OnnxModels.toChannelsFirst(outShape) : outShape));
        return new Pb().int64(1, OnnxModels.IR_VERSION).string(2, "kdnn-bench").message(7, g.graph)
                .message(8, new Pb().string(1, "").int64(2, OnnxModels.OPSET)).bytes();
    }

    private void layer(JsonNode l, long[] inputShape) {
        String cls = l.path("class_name").asText();
        JsonNode c = l.path("config");
        String name = c.path("name").asText(l.path("name").asText());
        if (cls.equals("InputLayer")) {
            shapes.put(name, inputShape.clone());
            node("Identity", List.of("X"), name);
            return;
        }
        List<String> in = new ArrayList<>();
        for (JsonNode ref : l.path("inbound_nodes").get(0)) in.add(ref.get(0).asText());
        Layer layer = model.layer(name);
        List<long[]> inShapes = in.stream().map(shapes::get).toList();
        long[] out = layer.computeOutputShape(inShapes);
        shapes.put(name, out);
        long[] x = inShapes.get(0);
        int rank = x.length - 2;
        List<Weight> w = layer.getWeights();
        switch (cls) {
            case "Conv1D", "Conv2D", "DepthwiseConv2D" -> conv(cls, c, name, in.get(0), x, w);
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
            case "MaxPooling2D", "MaxPooling1D" -> maxPool(c, name, in.get(0), x);
            case "GlobalAveragePooling2D", "GlobalAveragePooling1D" -> {
                if (c.path("keepdims").asBoolean(false)) throw unsupported(cls + " with keepdims", name);
                node("GlobalAveragePool", in, name + "/pooled");
                node("Flatten", List.of(name + "/pooled"), name);
            }
            case "Dense" -> dense(c, name, in.get(0), x, w);
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
        int rank = x.length - 2;
        Weight kernel = w.get(0);
        int[] ks = kernel.shape();
        long[] k = new long[rank];
        for (int i = 0; i < rank; i++) k[i] = ks[i];
        long[] strides = longs(c.path("strides"), rank, 1);
        long[] dilation = longs(c.path("dilation_rate"), rank, 1);
        long channels = x[rank + 1];
        long group;
        float[] onnxKernel;
        long[] onnxShape;
        if (cls.equals("DepthwiseConv2D")) {
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
            group = channels;
        } else {
            int[] perm = OnnxModels.kernelPerm(rank);
            onnxKernel = OnnxModels.permute(kernel.values(), ks, perm);
            onnxShape = new long[rank + 2];
            for (int i = 0; i < perm.length; i++) onnxShape[i] = ks[perm[i]];
            group = c.path("groups").asLong(1);
        }
        List<String> inputs = new ArrayList<>(List.of(in, constant(onnxShape, onnxKernel)));
        if (w.size() > 1) inputs.add(constant(new long[] {w.get(1).values().length}, w.get(1).values()));
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
        String pre = name + "/pre";
        node("Conv", inputs, pre, OnnxModels.ints("kernel_shape", k), OnnxModels.ints("strides", strides),
                OnnxModels.ints("dilations", dilation), OnnxModels.ints("pads", pads),
                new Pb().string(1, "group").int64(3, group).int64(20, ATTR_INT));
        activation(c.path("activation").asText("linear"), pre, name, rank);
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

    private void maxPool(JsonNode c, String name, String in, long[] x) {
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
        node("MaxPool", List.of(in), name, OnnxModels.ints("kernel_shape", k), OnnxModels.ints("strides", strides),
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
