package kdnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleBinaryOperator;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.layers.Weight;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceRecurrent;
import kdnn.reference.ReferenceSurrounding;


/**
 * A seeded random functional graph for {@link RandomGraphsTest}: layers made from Keras configs,
 * applied to Keras tensors, every value computed by the pure-Java reference as the graph grows.
 */
final class RandomGraph {
    /** A tensor of the graph with its reference value. */
    record Value(KerasTensor t, RefArray value) {
        int[] shape() {
            return value.shape();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] ACTIVATIONS = {"linear", "relu", "relu", "tanh", "sigmoid", "elu", "swish",
        "softplus", "hard_sigmoid", "selu", "relu6", "gelu"};
    /** Drawn one time in four: the activations that run after their layer's post-ops, and rarer post-ops. */
    private static final String[] RARE_ACTIVATIONS = {"softmax", "log_softmax", "softsign", "mish", "leaky_relu", "silu",
        "sparsemax", "hard_tanh", "log_sigmoid", "squareplus", "soft_shrink", "sparse_plus"};
    final long seed;
    final SplittableRandom r;
    private final java.util.Random reuses; // when a layer is called again: r's draws stay those of the graph without
    final int rank; // spatial axes
    final boolean channelsFirst;
    final boolean openSides;
    final boolean keras3; // Keras 3's rules: depthwise and separable strides with dilation, say
    boolean continuous; // no layer with a step (a ReLU's threshold, hard_shrink, sparsemax)
    final boolean chainOnly; // each layer reads the value before, from one input: a Sequential model's graph
    final List<Layer> applied = new ArrayList<>(); // the layers of unary steps, in order
    final List<Value> inputs = new ArrayList<>();
    final List<Value> values = new ArrayList<>();
    final List<Value> outputs = new ArrayList<>();
    final StringBuilder description = new StringBuilder();
    private int names;

    RandomGraph(long seed) {
        this(seed, false);
    }

    RandomGraph(long seed, boolean chainOnly) {
        this(seed, chainOnly, false);
    }

    /** With {@code extremes}, the first input holds NaN at one or two places and an infinity at one in some. */
    RandomGraph(long seed, boolean chainOnly, boolean extremes) {
        this.seed = seed;
        this.chainOnly = chainOnly;
        keras3 = seed % 5 == 4; // layers as a Keras 3 file makes them
        r = new SplittableRandom(seed * 7919 + 1);
        reuses = new java.util.Random(seed * 104729 + 3);
        int pick = r.nextInt(8);
        rank = pick < 5 ? 2 : pick < 7 ? 1 : 3;
        channelsFirst = r.nextInt(4) == 0;
        int[] shape = new int[rank + 2];
        shape[0] = 1 + r.nextInt(3);
        for (int i = 0; i < rank; i++) shape[spatialAxis(i)] = rank == 3 ? 2 + r.nextInt(4) : rank == 1 ? 4 + r.nextInt(17) : 4 + r.nextInt(9);
        shape[channelAxis()] = 1 + r.nextInt(5);
        long[] batchShape = Arrays.stream(shape).asLongStream().toArray();
        batchShape[0] = -1;
        openSides = r.nextInt(4) == 0; // a fully convolutional model: sides unknown until called
        if (openSides) {
            for (int i = 0; i < rank; i++) batchShape[spatialAxis(i)] = -1;
        }
        inputs.add(new Value(KerasTensor.input("input", batchShape), GraphReference.random(seed + 100, shape)));
        if (r.nextInt(4) == 0 && !chainOnly) {
            // a second input of the same sides, read by merges and concatenations, maybe given first
            int[] other = shape.clone();
            if (r.nextBoolean()) other[channelAxis()] = 1 + r.nextInt(5);
            long[] otherBatchShape = batchShape.clone();
            otherBatchShape[channelAxis()] = other[channelAxis()];
            inputs.add(r.nextBoolean() ? 1 : 0, new Value(KerasTensor.input("input_b", otherBatchShape),
                    GraphReference.random(seed + 200, other)));
        }
        if (extremes) {
            java.util.Random where = new java.util.Random(seed); // r's draws stay those of the graph without
            float[] data = inputs.get(0).value().data();
            int nans = 1 + where.nextInt(2);
            for (int i = 0; i < nans; i++) data[where.nextInt(data.length)] = Float.NaN;
            if (where.nextInt(3) == 0) data[where.nextInt(data.length)] = where.nextBoolean()
                    ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
        }
        values.addAll(inputs);
        description.append("inputs ").append(inputs.stream().map(v -> Arrays.toString(v.shape())).toList())
                .append(channelsFirst ? " channels_first" : "").append(openSides ? ", sides open\n" : "\n");
    }

    /** This graph's description and values with other outputs, for {@link #check}. */
    RandomGraph withOutputs(List<Value> chosen) {
        RandomGraph g = new RandomGraph(seed, chainOnly);
        g.inputs.clear();
        g.inputs.addAll(inputs);
        g.values.clear();
        g.values.addAll(values);
        g.description.setLength(0);
        g.description.append(description);
        g.outputs.addAll(chosen);
        return g;
    }

    Functional model() {
        return Functional.of("random_" + seed, inputs.stream().map(Value::t).toList(),
                outputs.stream().map(Value::t).toList());
    }

    List<Tensor> inputTensors() {
        return inputs.stream().map(v -> Tensor.of(v.value().data(), v.value().shape())).toList();
    }

    int channelAxis() {
        return channelsFirst ? 1 : rank + 1;
    }

    int spatialAxis(int i) {
        return channelsFirst ? 2 + i : 1 + i;
    }

    int channels(int[] s) {
        return s[channelAxis()];
    }

    int smallestSide(int[] s) {
        int m = Integer.MAX_VALUE;
        for (int i = 0; i < rank; i++) m = Math.min(m, s[spatialAxis(i)]);
        return m;
    }

    int volume(int[] s) {
        int v = 1;
        for (int i = 0; i < rank; i++) v *= s[spatialAxis(i)];
        return v;
    }

    String cls(String family) {
        return family.replace("#", Integer.toString(rank));
    }

    void grow() {
        if (inputs.size() == 2) { // both inputs read from the start
            if (Arrays.equals(inputs.get(0).shape(), inputs.get(1).shape()) && r.nextBoolean()) {
                String[] kinds = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"};
                mergeOf(kinds[r.nextInt(kinds.length)], inputs);
            } else {
                concatenateAll(inputs);
            }
        }
        int steps = 4 + r.nextInt(11);
        for (int i = 0; i < steps; i++) step();
        Value last = values.get(values.size() - 1);
        if (r.nextInt(4) == 0) {
            last = unary(!openSides && r.nextBoolean() && volume(last.shape()) <= 64 ? layer("Flatten", "data_format", format())
                    : layer(cls(r.nextBoolean() ? "GlobalAveragePooling#D" : "GlobalMaxPooling#D"), "data_format", format()), last);
            last = unary(dense(2 + r.nextInt(4), r.nextBoolean() ? "softmax" : "linear"), last);
        }
        outputs.add(last);
        // another value as a second output, which layers may also read
        if (r.nextInt(3) == 0) {
            Value other = values.get(r.nextInt(values.size())); // a model input too
            if (other != last) outputs.add(other);
        }
    }

    /** The value a unary step reads: mostly the newest, sometimes an older one (a branch). */
    Value pick() {
        int n = values.size();
        int older = r.nextInt(n);
        return r.nextInt(3) == 0 && !chainOnly ? values.get(older) : values.get(n - 1);
    }

    void step() {
        Value x = pick();
        // (not where sides are open: a call there cannot check them)
        if (!chainOnly && !openSides && reuses.nextInt(8) == 0 && callAgain(x)) return;
        if (reuses.nextInt(14) == 0) {
            unary(einsumDense(x), x);
            return;
        }
        if (rank >= 2 && !channelsFirst && reuses.nextInt(14) == 0) { // the first spatial axis as the steps
            unary(timeDistributed(x), x);
            return;
        }
        if (reuses.nextInt(14) == 0) {
            Layer l = statisticsOrScale(x);
            if (l != null) {
                unary(l, x);
                return;
            }
        }
        if (rank >= 2 && !channelsFirst && reuses.nextInt(12) == 0) { // the first spatial axis as the steps
            unary(convLstm(x), x);
            return;
        }
        int[] s = x.shape();
        int kind = r.nextInt(15);
        if (chainOnly && (kind == 9 || kind == 10 || kind == 11 || kind == 14)) kind = 0; // no merge, nothing nested
        switch (kind) {
            case 14 -> nested(x);
            case 0, 1 -> unary(conv(x), x);
            case 2 -> unary(rank < 3 ? depthwise(x) : conv(x), x);
            case 3 -> unary(rank < 3 ? separable(x) : conv(x), x);
            case 4 -> {
                if (volume(s) <= 256) unary(transposed(), x);
            }
            case 5 -> unary(r.nextInt(3) == 0 ? otherNormalization(x) : batchNormalization(), x);
            case 6 -> unary(activationLayer(), x);
            case 7 -> {
                if (smallestSide(s) >= 2) unary(pooling(x), x);
            }
            case 8 -> {
                Layer l = shapeLayer(s);
                if (l != null) unary(l, x);
            }
            case 9, 10 -> merge(x);
            case 11 -> concatenate(x);
            case 12 -> unary(r.nextBoolean() ? inferenceIdentity() : rearrangement(x), x);
            default -> {
                if (rank <= 2 && !channelsFirst && r.nextInt(3) == 0 && !chainOnly) selfAttention(x);
                else if (rank == 1 && !channelsFirst && r.nextBoolean()) unary(recurrent(), x);
                else if (!channelsFirst) unary(dense(1 + r.nextInt(6), activation()), x);
                else unary(conv(x), x);
            }
        }
    }

    /**
     * A layer of the graph called again, on {@code x}, with its weights: a shared layer, whose second
     * node a saved config names by its index. False when none takes {@code x}'s shape (each refusal
     * an IllegalArgumentException that leaves the layer as it was).
     */
    boolean callAgain(Value x) {
        // not UnitNormalization: idempotent, so a difference of its outputs is rounding noise that it then blows up
        // nor an operation: a file writes one per call
        List<Layer> candidates = new ArrayList<>(applied.stream().filter(l -> !l.className().equals("UnitNormalization")
                && !(l instanceof kdnn.layers.KerasOperation)).toList());
        java.util.Collections.shuffle(candidates, reuses);
        for (Layer l : candidates.subList(0, Math.min(3, candidates.size()))) {
            KerasTensor t;
            try {
                t = l.apply(x.t);
            } catch (IllegalArgumentException refused) {
                continue;
            }
            add(t, reference(l, x.value), l.className() + " " + l.name() + " again <- " + x.t);
            return true;
        }
        return false;
    }

    Value unary(Layer l, Value x) {
        KerasTensor t = l.apply(x.t);
        applied.add(l);
        randomizeWeights(l);
        RefArray v = reference(l, x.value);
        return add(t, v, l.className() + " " + Layers.toConfig(l).get("config") + " <- " + x.t);
    }

    Value add(KerasTensor t, RefArray v, String what) {
        Value out = new Value(t, v);
        values.add(out);
        description.append(t).append(" = ").append(what).append('\n');
        return out;
    }

    /** Two or three values of one shape merged; a residual branch is made when no other value has the shape. */
    void merge(Value x) {
        if (rank == 1 && !channelsFirst && !openSides && reuses.nextInt(5) == 0) {
            if (reuses.nextInt(3) == 0) einsum(x); else dot(x);
            return;
        }
        if (reuses.nextInt(4) == 0) { // squeeze-and-excitation's form: a value of one position per channel broadcast
            Value pooled = unary(layer(cls(reuses.nextBoolean() ? "GlobalAveragePooling#D" : "GlobalMaxPooling#D"),
                    "data_format", format(), "keepdims", true), x);
            Value y = reuses.nextBoolean() ? unary(sameShapeConv(pooled), pooled) : pooled;
            if (y != pooled && reuses.nextInt(3) == 0) { // tf.keras' hard sigmoid gate: planned as one step
                Value shifted = unary(layer("Rescaling", "scale", 1.0, "offset", 3.0), y);
                Value clipped = unary(layer("ReLU", "max_value", 6.0), shifted);
                y = unary(layer("Rescaling", "scale", 1.0 / 6, "offset", reuses.nextBoolean() ? -0.0 : 0.0), clipped);
            }
            String[] kinds = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"};
            mergeOf(kinds[reuses.nextInt(kinds.length)], reuses.nextBoolean() ? List.of(x, y) : List.of(y, x));
            return;
        }
        if (reuses.nextInt(6) == 0) { // tf.keras' hard swish, x * (relu6(x + 3) * (1 / 6)): planned as one step
            Value shifted = unary(layer("Rescaling", "scale", 1.0, "offset", 3.0), x);
            Value clipped = unary(layer("ReLU", "max_value", 6.0), shifted);
            Value factor = unary(layer("Rescaling", "scale", 1.0 / 6, "offset", -0.0), clipped);
            mergeOf("Multiply", reuses.nextBoolean() ? List.of(x, factor) : List.of(factor, x));
            return;
        }
        List<Value> same = values.stream().filter(v -> v != x && Arrays.equals(v.shape(), x.shape())).toList();
        Value y = same.isEmpty() || r.nextBoolean() ? unary(sameShapeConv(x), x) : same.get(r.nextInt(same.size()));
        String[] kinds = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "CustomScaleLayer"};
        String kind = kinds[r.nextInt(kinds.length)];
        List<Value> operands = new ArrayList<>(r.nextBoolean() ? List.of(x, y) : List.of(y, x));
        if (!kind.equals("Subtract") && !kind.equals("CustomScaleLayer") && r.nextInt(4) == 0) {
            operands.add(unary(sameShapeConv(x), x));
        }
        mergeOf(kind, operands);
    }

    void mergeOf(String kind, List<Value> operands) {
        if (kind.equals("CustomScaleLayer")) {
            scaledSum(operands.get(0), operands.get(1));
            return;
        }
        Layer l = layer(kind);
        KerasTensor t = l.apply(operands.stream().map(Value::t).toArray(KerasTensor[]::new));
        DoubleBinaryOperator op = switch (kind) {
            case "Add", "Average" -> Double::sum;
            case "Subtract" -> (a, b) -> a - b;
            case "Multiply" -> (a, b) -> a * b;
            case "Maximum" -> Math::max;
            default -> Math::min;
        };
        // the operands broadcast where one has length 1 on an axis (Keras' merges do)
        int[] shape = operands.get(0).shape().clone();
        for (Value o : operands) for (int d = 0; d < shape.length; d++) shape[d] = Math.max(shape[d], o.shape()[d]);
        float[] acc = broadcast(operands.get(0).value, shape);
        for (int k = 1; k < operands.size(); k++) {
            float[] b = broadcast(operands.get(k).value, shape);
            for (int i = 0; i < acc.length; i++) acc[i] = (float) op.applyAsDouble(acc[i], b[i]);
        }
        if (kind.equals("Average")) {
            for (int i = 0; i < acc.length; i++) acc[i] = acc[i] / operands.size();
        }
        add(t, new RefArray(shape, acc), kind + " of " + operands.stream().map(v -> v.t.toString()).toList());
    }

    /** InceptionResNetV2's {@code CustomScaleLayer}: {@code x + y * scale}, the product rounded first. */
    void scaledSum(Value x, Value y) {
        double scale = r.nextBoolean() ? 0.1 + 0.2 * r.nextDouble() : -1 + 2 * r.nextDouble();
        KerasTensor t = layer("CustomScaleLayer", "scale", scale).apply(x.t, y.t);
        float f = (float) scale;
        float[] a = x.value.data();
        float[] b = y.value.data();
        float[] out = new float[a.length];
        for (int i = 0; i < out.length; i++) out[i] = a[i] + b[i] * f;
        add(t, new RefArray(x.shape().clone(), out), "CustomScaleLayer(" + scale + ") of " + x.t + ", " + y.t);
    }

    /**
     * Keras' Dot of a sequence (batch, steps, features) with a convolution of it: over the features
     * (one step against every other: (batch, steps, steps)) or over the steps ((batch, features,
     * filters)), the vectors l2-normalized first or not.
     */
    void dot(Value x) {
        boolean overSteps = reuses.nextBoolean();
        int filters = overSteps ? 1 + reuses.nextInt(5) : channels(x.shape());
        Value y = unary(conv(x, filters, 1 + 2 * reuses.nextInt(2), 1, "same"), x);
        boolean normalize = reuses.nextInt(3) == 0;
        int axis = overSteps ? 1 : 2;
        Layer l = layer("Dot", "axes", axis, "normalize", normalize);
        boolean swap = reuses.nextBoolean();
        Value a = swap ? y : x;
        Value b = swap ? x : y;
        KerasTensor t = l.apply(a.t, b.t);
        add(t, dotReference(a.value, b.value, axis, normalize), "Dot axes " + axis + (normalize ? " normalized" : "")
                + " of [" + a.t + ", " + b.t + "]");
    }

    /**
     * Keras 3's {@code ops.einsum} of a sequence (batch, steps, features) and a convolution of it: a Gram matrix
     * over the steps ({@code "bsc,bsd->bcd"}: (batch, features, filters)) or the steps' self-similarity over the
     * features ((batch, steps, steps), either way round).
     */
    void einsum(Value x) {
        boolean overSteps = reuses.nextBoolean();
        int filters = overSteps ? 1 + reuses.nextInt(5) : channels(x.shape());
        Value y = unary(conv(x, filters, 1 + 2 * reuses.nextInt(2), 1, "same"), x);
        String subscripts = overSteps ? "bsc,bsd->bcd" : reuses.nextBoolean() ? "bsc,btc->bst" : "bsc,btc->bts";
        KerasTensor t = layer("Einsum", "subscripts", subscripts).apply(x.t, y.t);
        int[] a = x.shape();
        int[] b = y.shape();
        int[] out = overSteps ? new int[] {a[0], a[2], b[2]} : new int[] {a[0], a[1], b[1]};
        String[] operands = subscripts.split("->")[0].split(",");
        double[] ref = kdnn.reference.ReferenceOperations.einsum(operands[0], x.value.data(), longs(a), operands[1],
                y.value.data(), longs(b), subscripts.split("->")[1], longs(out));
        float[] values = new float[ref.length];
        for (int i = 0; i < ref.length; i++) values[i] = (float) ref[i];
        add(t, new RefArray(out, values), "Einsum " + subscripts + " of [" + x.t + ", " + y.t + "]");
    }

    private static long[] longs(int[] shape) {
        long[] l = new long[shape.length];
        for (int i = 0; i < l.length; i++) l[i] = shape[i];
        return l;
    }

    /** out[n, i, j] = sum over the contracted axis of a[n, ..i..] * b[n, ..j..] (each l2-normalized along it first). */
    static RefArray dotReference(RefArray a, RefArray b, int axis, boolean normalize) {
        int n = a.shape()[0];
        int la = a.shape()[axis];
        int ia = a.shape()[3 - axis]; // the axis that stays
        int ib = b.shape()[3 - axis];
        double[] av = new double[a.data().length];
        double[] bv = new double[b.data().length];
        for (int k = 0; k < av.length; k++) av[k] = a.data()[k];
        for (int k = 0; k < bv.length; k++) bv[k] = b.data()[k];
        if (normalize) {
            l2Normalize(av, a.shape(), axis);
            l2Normalize(bv, b.shape(), axis);
        }
        float[] out = new float[n * ia * ib];
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < ia; i++) {
                for (int j = 0; j < ib; j++) {
                    double sum = 0;
                    for (int k = 0; k < la; k++) {
                        sum += av[at(a.shape(), s, axis, k, i)] * bv[at(b.shape(), s, axis, k, j)];
                    }
                    out[(s * ia + i) * ib + j] = (float) sum;
                }
            }
        }
        return new RefArray(new int[] {n, ia, ib}, out);
    }

    /** The flat index of (s, ...) in a rank-3 array with {@code k} on {@code axis} and {@code other} on the other axis. */
    private static int at(int[] shape, int s, int axis, int k, int other) {
        return axis == 1 ? (s * shape[1] + k) * shape[2] + other : (s * shape[1] + other) * shape[2] + k;
    }

    /** Each vector along {@code axis} divided by max(its l2 norm, 1e-6), as tf.math.l2_normalize's rsqrt(max(sum, 1e-12)). */
    private static void l2Normalize(double[] v, int[] shape, int axis) {
        int other = shape[3 - axis];
        for (int s = 0; s < shape[0]; s++) {
            for (int o = 0; o < other; o++) {
                double sum = 0;
                for (int k = 0; k < shape[axis]; k++) sum += v[at(shape, s, axis, k, o)] * v[at(shape, s, axis, k, o)];
                double scale = 1 / Math.sqrt(Math.max(sum, 1e-12));
                for (int k = 0; k < shape[axis]; k++) v[at(shape, s, axis, k, o)] *= scale;
            }
        }
    }

    /** {@code x}'s values repeated along its axes of length 1 to {@code shape}. */
    static float[] broadcast(RefArray x, int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] out = new float[n];
        int[] index = new int[shape.length];
        for (int i = 0; i < n; i++) {
            int rest = i;
            for (int d = shape.length - 1; d >= 0; d--) {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }
            int j = 0;
            for (int d = 0; d < shape.length; d++) j = j * x.shape()[d] + (x.shape()[d] == 1 ? 0 : index[d]);
            out[i] = x.data()[j];
        }
        return out;
    }

    /** Values of one batch and spatial size joined on the channel axis; a branch is made when none other fits. */
    void concatenate(Value x) {
        List<Value> fit = values.stream().filter(v -> v != x && sameExceptChannels(v.shape(), x.shape())).toList();
        List<Value> operands = new ArrayList<>(List.of(x));
        operands.add(fit.isEmpty() || r.nextBoolean() ? unary(conv(x, 1 + r.nextInt(5), 1 + 2 * r.nextInt(2), 1, "same"), x)
                : fit.get(r.nextInt(fit.size())));
        if (r.nextInt(3) == 0) operands.add(x); // the same value twice
        java.util.Collections.shuffle(operands, new java.util.Random(r.nextLong()));
        concatenateAll(operands);
    }

    void concatenateAll(List<Value> operands) {
        int a = channelAxis();
        int axis = r.nextBoolean() ? a - (rank + 2) : a;
        Layer l = layer("Concatenate", "axis", axis);
        KerasTensor t = l.apply(operands.stream().map(Value::t).toArray(KerasTensor[]::new));
        RefArray v = GraphReference.concatenate(a, operands.stream().map(Value::value).toArray(RefArray[]::new));
        add(t, v, "Concatenate axis " + axis + " of " + operands.stream().map(o -> o.t.toString()).toList());
    }

    boolean sameExceptChannels(int[] p, int[] q) {
        if (p.length != q.length) return false;
        for (int i = 0; i < p.length; i++) if (i != channelAxis() && p[i] != q[i]) return false;
        return true;
    }

    Layer sameShapeConv(Value x) {
        return conv(x, channels(x.shape()), 1 + 2 * r.nextInt(2), 1, "same");
    }

    /** {@code -Dkdnn.randomGraphsWide=true}: half the convolutions' filters across oneDNN's 16-wide blocks. */
    static final boolean WIDE = Boolean.getBoolean("kdnn.randomGraphsWide");
    private static final int[] WIDTHS = {15, 16, 17, 32, 33, 48, 64};

    /** A filter count from 1 to {@code bound}; in wide graphs, half the time one across oneDNN's blocks. */
    int filters(int bound) {
        return WIDE && r.nextBoolean() ? WIDTHS[r.nextInt(WIDTHS.length)] : 1 + r.nextInt(bound);
    }

    Layer conv(Value x) {
        int k = 1 + r.nextInt(3);
        int stride = r.nextInt(3) == 0 ? 2 : 1;
        String padding = r.nextBoolean() ? "same" : rank == 1 && r.nextBoolean() ? "causal" : "valid";
        if (padding.equals("valid") && smallestSide(x.shape()) < k) padding = "same";
        return conv(x, filters(8), k, stride, padding);
    }

    Layer conv(Value x, int filters, int k, int stride, String padding) {
        int dilation = stride == 1 && r.nextInt(4) == 0 ? 2 : 1;
        if (padding.equals("valid") && smallestSide(x.shape()) < dilation * (k - 1) + 1) dilation = 1;
        // grouped (ResNeXt's) where the groups divide the input's channels and the filters
        int channels = channels(x.shape());
        int groups = channels % 2 == 0 && r.nextInt(4) == 0 ? 2 : 1;
        if (groups > 1 && filters % groups != 0) filters *= groups;
        return layer(cls("Conv#D"), "filters", filters, "kernel_size", tuple(k), "strides", tuple(stride),
                "padding", padding, "dilation_rate", tuple(dilation), "groups", groups, "activation", activation(),
                "use_bias", r.nextInt(4) != 0, "data_format", format());
    }

    Layer depthwise(Value x) {
        return layer(cls("DepthwiseConv#D"), concat(depthwiseGeometry(x), "activation", activation(),
                "use_bias", r.nextBoolean(), "data_format", format()));
    }

    Layer separable(Value x) {
        return layer(cls("SeparableConv#D"), concat(depthwiseGeometry(x), "filters", filters(6),
                "activation", activation(), "use_bias", r.nextBoolean(), "data_format", format()));
    }

    /** A depthwise convolution's kernel, strides, padding, dilation (with strides only under Keras 3) and multiplier. */
    Object[] depthwiseGeometry(Value x) {
        int k = 1 + r.nextInt(3);
        String padding = r.nextBoolean() || smallestSide(x.shape()) < k ? "same" : "valid";
        int stride = r.nextInt(3) == 0 ? 2 : 1;
        int dilation = (stride == 1 || keras3) && r.nextInt(4) == 0 ? 2 : 1;
        if (padding.equals("valid") && smallestSide(x.shape()) < dilation * (k - 1) + 1) dilation = 1;
        return new Object[] {"kernel_size", tuple(k), "strides", tuple(stride), "padding", padding,
            "dilation_rate", tuple(dilation), "depth_multiplier", 1 + r.nextInt(2)};
    }

    Layer transposed() {
        int k = 1 + r.nextInt(3);
        int stride = 1 + r.nextInt(2);
        // output_padding below the stride: the extra rows and columns Keras adds at the end (with
        // `valid`; with `same` TensorFlow refuses most, as kdnn does)
        String padding = r.nextBoolean() ? "same" : "valid";
        Object outputPadding = stride > 1 && padding.equals("valid") && r.nextInt(2) == 0 ? tuple(r.nextInt(stride)) : null;
        return layer(cls("Conv#DTranspose"), "filters", filters(5), "kernel_size", tuple(k),
                "strides", tuple(stride), "output_padding", outputPadding, "padding", padding,
                "activation", activation(), "use_bias", r.nextBoolean(), "data_format", format());
    }

    /** A layer applied to a (batch, steps, features) value carrying {@code mask} (batch, steps), by the reference with it. */
    Value unaryMasked(Layer l, Value x, float[] mask) {
        KerasTensor t = l.apply(x.t);
        randomizeWeights(l);
        JsonNode config = Layers.toConfig(l).get("config");
        int[] s = x.shape();
        RefArray v = switch (l.className()) {
            case "Embedding" -> {
                Weight table = l.getWeights().get(0);
                yield kdnn.reference.ReferenceOperations.embedding(x.value, new RefArray(table.shape(), table.values()));
            }
            case "Masking" -> {
                float[] d = x.value.data().clone();
                for (int i = 0; i < d.length; i++) d[i] *= mask[i / s[2]];
                yield new RefArray(s.clone(), d);
            }
            case "SimpleRNN", "LSTM", "GRU" -> {
                int units = config.get("units").asInt();
                boolean sequences = config.path("return_sequences").asBoolean(false);
                float[] y = maskedRun(l.className(), config, l.getWeights(), x, mask, config.path("go_backwards").asBoolean(false),
                        false);
                yield new RefArray(sequences ? new int[] {s[0], s[1], units} : new int[] {s[0], units}, y);
            }
            case "TimeDistributed" -> { // its layer at every step: a Dense over the last axis
                try (Layer inner = Layers.fromConfig(config.get("layer"))) {
                    inner.build(Arrays.stream(s).asLongStream().toArray());
                    inner.setWeights(l.getWeights());
                    yield reference(inner, x.value);
                }
            }
            case "Bidirectional" -> { // of a layer returning every step: masked steps' outputs zeros
                JsonNode inner = config.get("layer").get("config");
                String cls = config.get("layer").get("class_name").asText();
                int units = inner.get("units").asInt();
                boolean backwards = inner.path("go_backwards").asBoolean(false);
                List<Weight> w = l.getWeights();
                int half = w.size() / 2;
                float[] f = maskedRun(cls, inner, w.subList(0, half), x, mask, backwards, true);
                float[] b = maskedRun(cls, inner, w.subList(half, w.size()), x, mask, !backwards, true);
                String merge = config.get("merge_mode").asText();
                int width = merge.equals("concat") ? 2 * units : units;
                float[] y = new float[s[0] * s[1] * width];
                for (int row = 0; row < s[0] * s[1]; row++) {
                    int back = (row / s[1]) * s[1] + (s[1] - 1 - row % s[1]); // the backward layer's steps reversed
                    for (int u = 0; u < units; u++) {
                        float yf = f[row * units + u];
                        float yb = b[back * units + u];
                        switch (merge) {
                            case "concat" -> {
                                y[row * width + u] = yf;
                                y[row * width + units + u] = yb;
                            }
                            case "sum" -> y[row * width + u] = yf + yb;
                            case "mul" -> y[row * width + u] = yf * yb;
                            default -> y[row * width + u] = (yf + yb) / 2;
                        }
                    }
                }
                yield new RefArray(new int[] {s[0], s[1], width}, y);
            }
            case "GlobalAveragePooling1D" -> { // the mean over the steps the mask keeps
                float[] y = new float[s[0] * s[2]];
                for (int n = 0; n < s[0]; n++) {
                    for (int f = 0; f < s[2]; f++) {
                        double sum = 0;
                        double count = 0;
                        for (int k = 0; k < s[1]; k++) {
                            sum += x.value.data()[(n * s[1] + k) * s[2] + f] * mask[n * s[1] + k];
                            count += mask[n * s[1] + k];
                        }
                        y[n * s[2] + f] = (float) (sum / count);
                    }
                }
                yield new RefArray(new int[] {s[0], s[2]}, y);
            }
            default -> reference(l, x.value); // computed at every step, the mask passed on
        };
        applied.add(l);
        return add(t, v, l.className() + " " + config + " (masked) <- " + x.t);
    }

    /** Keras' masked run of a SimpleRNN, LSTM or GRU of this config and these weights over {@code x}. */
    static float[] maskedRun(String className, JsonNode config, List<Weight> w, Value x, float[] mask, boolean backwards,
            boolean zeroOutputForMask) {
        ReferenceRecurrent.Cell cell = switch (className) {
            case "LSTM" -> ReferenceRecurrent.Cell.LSTM;
            case "GRU" -> config.path("reset_after").asBoolean(true) ? ReferenceRecurrent.Cell.GRU
                    : ReferenceRecurrent.Cell.GRU_RESET_BEFORE;
            default -> ReferenceRecurrent.Cell.SIMPLE_RNN;
        };
        int[] s = x.shape();
        return ReferenceRecurrent.runMasked(cell, config.path("activation").asText("tanh"),
                config.path("recurrent_activation").asText("sigmoid"), x.value.data(), mask, s[0], s[1], s[2],
                config.get("units").asInt(), w.get(0).values(), w.get(1).values(), w.size() > 2 ? w.get(2).values() : null,
                config.path("return_sequences").asBoolean(false), backwards, zeroOutputForMask);
    }

    /**
     * A nested functional model of one to three layers (a residual Add around them in some)
     * applied to {@code x}, and in some to another value of its shape too: one model called twice.
     */
    void nested(Value x) {
        long[] batchShape = Arrays.stream(x.shape()).asLongStream().toArray();
        batchShape[0] = -1;
        KerasTensor in = KerasTensor.input("nested_input_" + names++, batchShape);
        List<Layer> chain = new ArrayList<>();
        KerasTensor t = in;
        RefArray v = x.value;
        int layers = 1 + r.nextInt(3);
        for (int i = 0; i < layers; i++) {
            Value current = new Value(t, v);
            Layer l = switch (r.nextInt(4)) {
                case 0 -> conv(current);
                case 1 -> batchNormalization();
                case 2 -> activationLayer();
                default -> sameShapeConv(current);
            };
            t = l.apply(t);
            randomizeWeights(l);
            v = reference(l, v);
            chain.add(l);
        }
        boolean residual = Arrays.equals(v.shape(), x.shape()) && r.nextBoolean();
        if (residual) t = layer("Add").apply(t, in);
        Functional sub = Functional.of("nested_" + names++, List.of(in), List.of(t));
        add(sub.apply(x.t).get(0), nestedReference(chain, residual, x.value), "nested " + sub.name() + " of "
                + chain.stream().map(Layer::className).toList() + (residual ? " + residual" : "") + " <- " + x.t);
        List<Value> same = values.stream().filter(o -> o != x && Arrays.equals(o.shape(), x.shape())).toList();
        if (!same.isEmpty() && r.nextBoolean()) {
            Value y = same.get(r.nextInt(same.size()));
            add(sub.apply(y.t).get(0), nestedReference(chain, residual, y.value), "nested " + sub.name() + " again <- " + y.t);
        }
    }

    RefArray nestedReference(List<Layer> chain, boolean residual, RefArray x) {
        RefArray v = x;
        for (Layer l : chain) v = reference(l, v);
        return residual ? GraphReference.add(v, x) : v;
    }

    /**
     * MultiHeadAttention of {@code x} over itself (query and value), or over another value of the
     * graph (cross-attention over every axis), with the reference's einsums.
     */
    void selfAttention(Value x) {
        int heads = 1 + r.nextInt(3);
        int keyDim = 1 + r.nextInt(4);
        int valueDim = r.nextBoolean() ? keyDim : 1 + r.nextInt(4);
        boolean bias = r.nextInt(4) != 0;
        // over every axis between batch and features (Keras' default), or over one of two
        int[] axes = rank == 1 ? new int[] {1} : new int[][] {{1, 2}, {1}, {2}}[r.nextInt(3)];
        List<Value> others = values.stream().filter(o -> o != x && o.shape().length == x.shape().length).toList();
        Value value = axes.length == rank && !others.isEmpty() && r.nextBoolean() ? others.get(r.nextInt(others.size())) : x;
        Layer l = layer("MultiHeadAttention", "num_heads", heads, "key_dim", keyDim, "value_dim", valueDim,
                "use_bias", bias, "attention_axes", r.nextBoolean() && axes.length == rank ? null : axes);
        KerasTensor t = l.apply(x.t, value.t);
        randomizeWeights(l);
        int[] s = x.shape();
        RefArray v = kdnn.reference.ReferenceAttention.run(x.value, value.value, null, null, false, axes, heads,
                keyDim, valueDim, s[s.length - 1], attentionWeights(l, bias));
        add(t, v, "MultiHeadAttention " + Layers.toConfig(l).get("config") + " <- " + x.t + ", " + value.t);
    }

    /**
     * MultiHeadAttention of {@code (batch, steps, features)} values carrying Keras masks (null: none),
     * with a key of its own in some: a key counts where the value's and the key's masks keep it, a
     * query position where the query's does (one whose every key is masked weighs them evenly).
     */
    Value maskedAttention(Value query, float[] queryMask, Value value, float[] valueMask, Value key, float[] keyMask) {
        int heads = 1 + r.nextInt(3);
        int keyDim = 1 + r.nextInt(4);
        int valueDim = r.nextBoolean() ? keyDim : 1 + r.nextInt(4);
        boolean bias = r.nextInt(4) != 0;
        Layer l = layer("MultiHeadAttention", "num_heads", heads, "key_dim", keyDim, "value_dim", valueDim,
                "use_bias", bias);
        KerasTensor t = key == null ? l.apply(query.t, value.t) : l.apply(query.t, value.t, key.t);
        randomizeWeights(l);
        int b = query.shape()[0];
        int steps = query.shape()[1];
        int keys = value.shape()[1];
        RefArray joined = null;
        if (queryMask != null || valueMask != null || keyMask != null) {
            float[] m = new float[b * steps * keys];
            for (int n = 0; n < b; n++) {
                for (int i = 0; i < steps; i++) {
                    for (int j = 0; j < keys; j++) {
                        m[(n * steps + i) * keys + j] = (queryMask == null ? 1 : queryMask[n * steps + i])
                                * (valueMask == null ? 1 : valueMask[n * keys + j]) * (keyMask == null ? 1 : keyMask[n * keys + j]);
                    }
                }
            }
            joined = new RefArray(new int[] {b, steps, keys}, m);
        }
        // tf.keras adds -1e9 to a masked score; Keras 3's dot_product_attention (rank 3, no dropout) replaces it
        kdnn.reference.ReferenceAttention.Masked how = keras3 ? kdnn.reference.ReferenceAttention.Masked.WHERE
                : kdnn.reference.ReferenceAttention.Masked.ADD;
        RefArray v = kdnn.reference.ReferenceAttention.run(query.value, value.value, key == null ? null : key.value, joined,
                false, new int[] {1}, heads, keyDim, valueDim, query.shape()[2], attentionWeights(l, bias), how, 0);
        return add(t, v, "MultiHeadAttention " + Layers.toConfig(l).get("config") + " (masks " + (queryMask != null) + ", "
                + (valueMask != null) + ", " + (keyMask != null) + ") <- " + query.t + ", " + value.t
                + (key == null ? "" : ", " + key.t));
    }

    /**
     * Keras' Attention (dot or concat scores) or AdditiveAttention of {@code (batch, steps, features)}
     * values carrying Keras masks (null: none): a key counts where the value's mask keeps it (a
     * key's own mask is not read), and the output is zero where the query's mask is.
     */
    Value maskedDenseAttention(Value query, float[] queryMask, Value value, float[] valueMask, Value key) {
        boolean additive = r.nextBoolean();
        String score = additive ? "additive" : r.nextBoolean() ? "dot" : "concat";
        boolean scale = r.nextBoolean();
        Layer l = additive ? layer("AdditiveAttention", "use_scale", scale)
                : layer("Attention", "use_scale", scale, "score_mode", score);
        KerasTensor t = key == null ? l.apply(query.t, value.t) : l.apply(query.t, value.t, key.t);
        randomizeWeights(l);
        List<Weight> w = l.getWeights();
        float[] scales = scale ? w.get(0).values() : null;
        float concat = score.equals("concat") ? w.get(w.size() - 1).values()[0] : 1;
        RefArray v = kdnn.reference.ReferenceAttention.dense(score, query.value, value.value, key == null ? null : key.value,
                queryMask, valueMask, false, scales, concat, null);
        return add(t, v, l.className() + " " + Layers.toConfig(l).get("config") + " (masks " + (queryMask != null) + ", "
                + (valueMask != null) + ") <- " + query.t + ", " + value.t + (key == null ? "" : ", " + key.t));
    }

    /** A MultiHeadAttention's weights as the reference takes them. */
    static kdnn.reference.ReferenceAttention.Weights attentionWeights(Layer l, boolean bias) {
        List<Weight> w = l.getWeights();
        int k = 0;
        float[] qk = w.get(k++).values();
        float[] qb = bias ? w.get(k++).values() : null;
        float[] kk = w.get(k++).values();
        float[] kb = bias ? w.get(k++).values() : null;
        float[] vk = w.get(k++).values();
        float[] vb = bias ? w.get(k++).values() : null;
        float[] ok = w.get(k++).values();
        float[] ob = bias ? w.get(k).values() : null;
        return new kdnn.reference.ReferenceAttention.Weights(qk, qb, kk, kb, vk, vb, ok, ob);
    }

    /**
     * A ConvLSTM of one rank fewer than the graph's over a channels_last value, its first spatial
     * axis the steps, returning every step (so the value keeps its rank), maybe backwards.
     */
    Layer convLstm(Value x) {
        int n = rank - 1;
        int k = 1 + r.nextInt(3);
        int stride = r.nextInt(4) == 0 ? 2 : 1;
        int dilation = stride == 1 && r.nextInt(4) == 0 ? 2 : 1;
        int side = Integer.MAX_VALUE;
        for (int i = 1; i < rank; i++) side = Math.min(side, x.shape()[1 + i]);
        String padding = r.nextBoolean() || side < dilation * (k - 1) + 1 ? "same" : "valid";
        return layer("ConvLSTM" + n + "D", "filters", 1 + r.nextInt(4), "kernel_size", tuple(k, n), "strides",
                tuple(stride, n), "padding", padding, "dilation_rate", tuple(dilation, n), "activation",
                r.nextInt(4) == 0 ? "relu" : "tanh", "recurrent_activation", gate(), "use_bias", r.nextInt(4) != 0,
                "return_sequences", true, "go_backwards", r.nextInt(3) == 0);
    }

    /**
     * An EinsumDense of the value's channels to new ones, or (where the sides are known) of one
     * spatial axis to a new length, with a bias over the new axis, the last one or none.
     */
    Layer einsumDense(Value x) {
        int[] s = x.shape();
        String letters = "abcdefg".substring(0, s.length);
        int axis = !openSides && r.nextBoolean() ? spatialAxis(r.nextInt(rank)) : channelAxis();
        char from = letters.charAt(axis);
        String output = letters.replace(from, 'z');
        int size = 1 + r.nextInt(6);
        List<Object> outputShape = new ArrayList<>();
        for (int i = 1; i < s.length; i++) {
            // an open side passes through: None in output_shape, as Keras writes it
            outputShape.add(i == axis ? (Object) size : openSides && i != channelAxis() ? null : (Object) s[i]);
        }
        String bias = switch (r.nextInt(3)) {
            case 0 -> "z";
            case 1 -> openSides && channelAxis() != s.length - 1 ? null : output.substring(output.length() - 1);
            default -> null;
        };
        return layer("EinsumDense", "equation", letters + "," + from + "z->" + output, "output_shape", outputShape,
                "bias_axes", bias, "activation", activation());
    }

    static int[] ints(JsonNode config, String key, int n) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) o[i] = config.get(key).get(i).asInt();
        return o;
    }

    /** A SimpleRNN, LSTM or GRU returning every step, maybe backwards. */
    Layer recurrent() {
        String cls = new String[] {"SimpleRNN", "LSTM", "GRU"}[r.nextInt(3)];
        String activation = cls.equals("SimpleRNN") && r.nextBoolean() ? "relu" : "tanh";
        Object[] common = {"units", 1 + r.nextInt(6), "return_sequences", true, "go_backwards", r.nextBoolean(),
            "activation", activation, "use_bias", r.nextInt(4) != 0};
        return switch (cls) {
            case "SimpleRNN" -> layer(cls, common);
            case "LSTM" -> layer(cls, concat(common, "recurrent_activation", gate(), "unit_forget_bias", true));
            default -> layer(cls, concat(common, "recurrent_activation", gate(), "reset_after", r.nextBoolean()));
        };
    }

    /** A gated cell's recurrent_activation: sigmoid, or Keras 2's hard_sigmoid (Keras 3's is another function). */
    /** A Bidirectional over a recurrent layer returning every step, by a merge that gives one output. */
    Layer bidirectional() {
        JsonNode inner;
        try (Layer l = recurrent()) {
            inner = Layers.toConfig(l);
        }
        return layer("Bidirectional", "merge_mode", new String[] {"concat", "sum", "mul", "ave"}[r.nextInt(4)], "layer", inner);
    }

    String gate() {
        return r.nextBoolean() || keras3 ? "sigmoid" : "hard_sigmoid";
    }

    static Object[] concat(Object[] a, Object... b) {
        Object[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** A LayerNormalization or GroupNormalization over the channels (with the sides, for some). */
    Layer otherNormalization(Value x) {
        int channels = channels(x.shape());
        int kind = r.nextInt(keras3 && !channelsFirst ? 6 : 5);
        if (kind == 4) { // over the channels, or the channels and the sides where they are known
            return layer("UnitNormalization", "axis", r.nextBoolean() || openSides ? (Object) (channelsFirst ? 1 : -1)
                    : allButBatch());
        }
        if (kind == 5) { // Keras 3's; over the last axis, which its scale lines up with
            return layer("RMSNormalization", "axis", -1, "epsilon", 1e-3);
        }
        if (kind < 2) {
            int groups = channels % 2 == 0 && r.nextBoolean() ? 2 : channels % 3 == 0 && r.nextBoolean() ? 3 : 1;
            return layer("GroupNormalization", "groups", groups, "axis", channelsFirst ? 1 : -1, "epsilon", 1e-3,
                    "center", r.nextInt(4) != 0, "scale", r.nextInt(4) != 0);
        }
        // over the sides too only where they are known: gamma and beta take their sizes (Keras refuses it too)
        Object axis = r.nextBoolean() || openSides ? (Object) (channelsFirst ? 1 : -1) : allButBatch();
        return layer("LayerNormalization", "axis", axis, "epsilon", 1e-3, "center", r.nextInt(4) != 0,
                "scale", r.nextInt(4) != 0);
    }

    /**
     * TimeDistributed over the first spatial axis of a channels_last value: on each step a
     * convolution (of every family but transposed), a pooling, a BatchNormalization, a Dense, an
     * UpSampling or a ZeroPadding of one rank less (Keras folds the steps into the batch).
     */
    Layer timeDistributed(Value x) {
        int[] s = x.shape();
        int inner = rank - 1;
        int smallest = Integer.MAX_VALUE;
        for (int i = 2; i < s.length - 1; i++) smallest = Math.min(smallest, s[i]);
        String padding = openSides || reuses.nextBoolean() ? "same" : "valid";
        int k = padding.equals("same") ? 1 + reuses.nextInt(3) : 1 + reuses.nextInt(Math.min(3, smallest));
        int[] kernel = tuple(k, inner);
        java.util.Map<String, Object> config = new java.util.LinkedHashMap<>();
        String cls;
        switch (reuses.nextInt(7)) {
            case 0 -> {
                cls = "DepthwiseConv" + inner + "D";
                if (inner > 2) cls = "Conv" + inner + "D";
            }
            case 1 -> cls = inner > 2 ? "Conv" + inner + "D" : "SeparableConv" + inner + "D";
            case 2 -> {
                cls = (reuses.nextBoolean() ? "Max" : "Average") + "Pooling" + inner + "D";
                config.put("pool_size", tuple(smallest >= 2 || padding.equals("same") ? 2 : 1, inner));
                config.put("padding", padding);
            }
            case 3 -> cls = "BatchNormalization";
            case 4 -> {
                cls = "Dense";
                config.put("units", 1 + reuses.nextInt(5));
                config.put("activation", activation());
            }
            case 5 -> {
                cls = reuses.nextBoolean() ? "UpSampling" + inner + "D" : "ZeroPadding" + inner + "D";
                if (cls.startsWith("UpSampling")) config.put("size", inner == 1 ? (Object) 2 : tuple(2, inner));
                else config.put("padding", inner == 1 ? (Object) new int[] {1, 0} : tuple(1, inner));
            }
            default -> cls = "Conv" + inner + "D";
        }
        if (cls.contains("Conv")) {
            if (!cls.startsWith("Depthwise")) config.put("filters", 1 + reuses.nextInt(5));
            config.put("kernel_size", kernel);
            config.put("padding", padding);
            config.put("activation", activation());
            config.put("use_bias", reuses.nextBoolean());
        }
        if (cls.equals("BatchNormalization")) config.put("epsilon", 1e-3);
        java.util.Map<String, Object> wrapped = new java.util.LinkedHashMap<>();
        wrapped.put("class_name", cls);
        config.put("name", cls.toLowerCase(java.util.Locale.ROOT) + "_" + names++);
        wrapped.put("config", config);
        return layer("TimeDistributed", "layer", wrapped);
    }

    /**
     * Keras' preprocessing Normalization (statistics per channel, per channel and first side, or
     * one for all; as weights or given in the config; inverted or not), ConvNeXt's LayerScale over
     * the last axis, or its StochasticDepth (the identity at inference); null where none fits.
     */
    Layer statisticsOrScale(Value x) {
        int[] s = x.shape();
        switch (reuses.nextInt(4)) {
            case 0 -> {
                // LayerScale's gamma takes the last axis' size, which an open side lacks
                if (openSides && channelsFirst) return null;
                return layer("LayerScale", "init_values", 0.1 + reuses.nextDouble(), "projection_dim", s[s.length - 1]);
            }
            case 1 -> {
                return layer("StochasticDepth", "drop_path_rate", 0.25);
            }
            default -> {
                boolean invert = reuses.nextInt(3) == 0;
                if (reuses.nextInt(3) == 0) { // statistics in the config: one number each, for every value
                    return layer("Normalization", "axis", null, "mean", reuses.nextGaussian(), "variance",
                            0.25 + reuses.nextDouble() * 3, "invert", invert);
                }
                int c = channelAxis();
                Object axis = openSides || reuses.nextBoolean() ? (Object) (channelsFirst ? 1 : -1)
                        : new int[] {c, spatialAxis(0)};
                return layer("Normalization", "axis", axis, "invert", invert);
            }
        }
    }

    int[] allButBatch() {
        int[] a = new int[rank + 1];
        for (int i = 0; i < a.length; i++) a[i] = i + 1;
        return a;
    }

    Layer batchNormalization() {
        return layer("BatchNormalization", "axis", channelsFirst ? 1 : -1, "epsilon", 1e-3,
                "center", r.nextInt(4) != 0, "scale", r.nextInt(4) != 0);
    }

    /** A layer that is the identity in inference (Dropout and the noise and regularization layers). */
    Layer inferenceIdentity() {
        return switch (r.nextInt(6)) {
            case 0 -> layer(cls("SpatialDropout#D"), "rate", 0.5);
            case 1 -> layer("GaussianNoise", "stddev", 0.1);
            case 2 -> layer("GaussianDropout", "rate", 0.2);
            case 3 -> layer("AlphaDropout", "rate", 0.2);
            case 4 -> layer("ActivityRegularization", "l1", 0.01);
            default -> layer("Dropout", "rate", 0.3);
        };
    }

    /**
     * A layer that moves values in Keras' order without changing the rank or the channel axis: a
     * Permute or a Reshape of the spatial axes, or a global pooling that keeps the axes.
     */
    Layer rearrangement(Value x) {
        Layer operation = reuses.nextBoolean() ? operation(x) : null;
        if (operation != null) return operation;
        int[] s = x.shape();
        int[] spatial = new int[rank];
        for (int i = 0; i < rank; i++) spatial[i] = i;
        for (int i = rank - 1; i > 0; i--) { // a shuffle of the spatial axes
            int j = r.nextInt(i + 1);
            int t = spatial[i];
            spatial[i] = spatial[j];
            spatial[j] = t;
        }
        switch (r.nextInt(3)) {
            case 0 -> {
                int[] dims = new int[rank + 1]; // Keras' 1-based axes after the batch
                for (int a = 1; a <= rank + 1; a++) dims[a - 1] = a;
                for (int i = 0; i < rank; i++) dims[spatialAxis(i) - 1] = spatialAxis(spatial[i]);
                return layer("Permute", "dims", dims);
            }
            case 1 -> {
                int[] target = new int[rank + 1];
                for (int a = 1; a <= rank + 1; a++) target[a - 1] = s[a];
                for (int i = 0; i < rank; i++) target[spatialAxis(i) - 1] = s[spatialAxis(spatial[i])];
                if (r.nextBoolean()) target[spatialAxis(0) - 1] = -1;
                return layer("Reshape", "target_shape", target);
            }
            default -> {
                return layer(cls(r.nextBoolean() ? "GlobalAveragePooling#D" : "GlobalMaxPooling#D"),
                        "data_format", format(), "keepdims", true);
            }
        }
    }

    /**
     * An operation layer (a keras.ops or tf function's call in a file): a tile or repeat of a spatial
     * axis, the maximum or minimum with a number, Keras 3's L2 normalize over the last axis, channels
     * taken (tf.gather), or TensorFlow's depth_to_space / space_to_depth; null where the drawn one does
     * not fit the value.
     */
    Layer operation(Value x) {
        if (chainOnly) return null; // a chain becomes a Sequential, whose files hold layers only
        int[] s = x.shape();
        int side = spatialAxis(reuses.nextInt(rank));
        switch (reuses.nextInt(6)) {
            case 5 -> {
                // channels picked and reordered, one repeated: the last, the first, the last
                int c = s[channelAxis()];
                return layer("Take", "indices", new int[] {c - 1, 0, c - 1}, "axis", channelAxis());
            }
            case 0 -> {
                if (volume(s) > 1024) return null;
                int[] reps = new int[rank + 2];
                Arrays.fill(reps, 1);
                reps[side] = 2;
                return reuses.nextBoolean() ? layer("Tile", "repeats", reps) : layer("Repeat", "repeats", 2, "axis", side);
            }
            case 1 -> {
                return layer(reuses.nextBoolean() ? "ConstantMaximum" : "ConstantMinimum", "y", reuses.nextBoolean() ? 0.25 : -0.5);
            }
            case 2 -> {
                // (over the last axis, whose length must be known: channels_first with open sides has none)
                return channelsFirst && openSides ? null : layer("Normalize", "axis", -1, "order", 2, "epsilon", null);
            }
            default -> {
                if (rank != 2) return null;
                String format = channelsFirst ? "NCHW" : "NHWC";
                if (reuses.nextBoolean()) {
                    return s[channelAxis()] % 4 == 0 ? layer("DepthToSpace", "block_size", 2, "data_format", format) : null;
                }
                return s[spatialAxis(0)] % 2 == 0 && s[spatialAxis(1)] % 2 == 0
                        ? layer("SpaceToDepth", "block_size", 2, "data_format", format) : null;
            }
        }
    }

    Layer activationLayer() {
        return switch (r.nextInt(8)) {
            case 6 -> layer("ThresholdedReLU", "theta", continuous ? 0.0 : 0.3);
            case 7 -> layer("ELU", "alpha", 0.7);
            case 3 -> layer("Rescaling", "scale", r.nextBoolean() ? 1 / 255.0 : -0.5, "offset", r.nextBoolean() ? 0.0 : -1.0);
            case 4 -> {
                // one axis, or several: a spatial softmax over the sides (heatmaps), or a side and the channels
                int[] sides = new int[rank];
                for (int i = 0; i < rank; i++) sides[i] = spatialAxis(i);
                yield switch (r.nextInt(4)) {
                    case 0 -> layer("Softmax", "axis", -1);
                    case 1 -> layer("Softmax", "axis", channelAxis());
                    case 2 -> layer("Softmax", "axis", sides);
                    default -> layer("Softmax", "axis", new int[] {spatialAxis(0), channelAxis()});
                };
            }
            case 5 -> {
                int[] shared = new int[rank];
                for (int i = 0; i < rank; i++) shared[i] = spatialAxis(i);
                // unshared, alpha takes the sides' sizes, which an open side lacks (Keras refuses it too)
                yield openSides || r.nextBoolean() ? layer("PReLU", "shared_axes", shared) : layer("PReLU");
            }
            case 0 -> layer("Activation", "activation", activation());
            case 1 -> layer("ReLU", "max_value", r.nextBoolean() ? null : 6.0, "negative_slope", r.nextBoolean() ? 0.0 : 0.1,
                    "threshold", r.nextInt(3) == 0 && !continuous ? 0.5 : 0.0);
            default -> layer("LeakyReLU", "alpha", 0.3);
        };
    }

    Layer pooling(Value x) {
        if (keras3 && reuses.nextBoolean()) {
            // Keras 3's adaptive pooling: windows that divide (oneDNN) or vary and overlap (Java)
            int[] size = new int[rank];
            for (int i = 0; i < rank; i++) {
                int side = x.shape()[spatialAxis(i)];
                size[i] = reuses.nextBoolean() && side > 1 && side % 2 == 0 ? side / 2 : 1 + reuses.nextInt(4);
            }
            return layer(cls(reuses.nextBoolean() ? "AdaptiveMaxPooling#D" : "AdaptiveAveragePooling#D"), "output_size",
                    size, "data_format", format());
        }
        int p = 2 + r.nextInt(2);
        int stride = 1 + r.nextInt(2);
        String padding = r.nextBoolean() || smallestSide(x.shape()) < p ? "same" : "valid";
        return layer(cls(r.nextBoolean() ? "MaxPooling#D" : "AveragePooling#D"), "pool_size", tuple(p),
                "strides", tuple(stride), "padding", padding, "data_format", format());
    }

    /** A ZeroPadding, Cropping or UpSampling layer, or null where none fits (the 1D ones have no channels_first). */
    Layer shapeLayer(int[] s) {
        if (rank == 2 && !openSides && (keras3 || !channelsFirst) && reuses.nextInt(3) == 0) {
            // the image preprocessing layers (tf.keras' take channels_last only)
            int h = s[spatialAxis(0)];
            int w = s[spatialAxis(1)];
            if (reuses.nextBoolean()) {
                // (Keras 3's antialias too)
                return layer("Resizing", "height", 1 + r.nextInt(10), "width", 1 + r.nextInt(10), "interpolation",
                        kdnn.reference.ReferenceShapeOps.RESIZE_METHODS[r.nextInt(kdnn.reference.ReferenceShapeOps.RESIZE_METHODS.length)], keras3 ? "data_format" : "name_suffix",
                        format(), keras3 ? "antialias" : "name_suffix", keras3 && r.nextInt(3) == 0);
            }
            return layer("CenterCrop", "height", 1 + r.nextInt(h), "width", 1 + r.nextInt(w),
                    keras3 ? "data_format" : "name_suffix", format());
        }
        if (rank == 1 && channelsFirst) return null;
        Object format = rank == 1 ? null : format();
        String formatKey = rank == 1 ? "name_suffix" : "data_format";
        int kind = r.nextInt(3);
        if (kind == 0 && smallestSide(s) > 2) {
            return layer(cls("Cropping#D"), "cropping", sides(2), formatKey, format);
        }
        if (kind == 1 && volume(s) <= 64) {
            if (rank == 2) {
                return layer("UpSampling2D", "size", new int[] {2, 1 + r.nextInt(2)},
                        "interpolation", kdnn.reference.ReferenceShapeOps.RESIZE_METHODS[r.nextInt(kdnn.reference.ReferenceShapeOps.RESIZE_METHODS.length)], "data_format",
                        format());
            }
            return layer(cls("UpSampling#D"), "size", rank == 1 ? (Object) (2 + r.nextInt(2)) : tuple(2), formatKey, format);
        }
        return layer(cls("ZeroPadding#D"), "padding", sides(3), formatKey, format);
    }

    /** Per spatial axis a (before, after) pair below {@code bound}; ZeroPadding1D and Cropping1D take one pair. */
    Object sides(int bound) {
        if (rank == 1) return new int[] {r.nextInt(bound), r.nextInt(bound)};
        int[][] p = new int[rank][];
        for (int i = 0; i < rank; i++) p[i] = new int[] {r.nextInt(bound), r.nextInt(bound)};
        return p;
    }

    int[] tuple(int v) {
        return tuple(v, rank);
    }

    static int[] tuple(int v, int n) {
        int[] t = new int[n];
        Arrays.fill(t, v);
        return t;
    }

    Layer dense(int units, String activation) {
        return layer("Dense", "units", units, "activation", activation, "use_bias", r.nextBoolean());
    }

    String activation() {
        String a = r.nextInt(4) == 0 ? RARE_ACTIVATIONS[r.nextInt(RARE_ACTIVATIONS.length)]
                : ACTIVATIONS[r.nextInt(ACTIVATIONS.length)];
        // with steps: hard_shrink jumps at 0.5, Keras' sparsemax where its support grows
        if (continuous && (a.equals("hard_shrink") || a.equals("sparsemax"))) return "tanh";
        return keras3 && a.equals("hard_sigmoid") ? "relu" : a; // Keras 3's is another function: not in the reference
    }

    String format() {
        return channelsFirst ? "channels_first" : "channels_last";
    }

    /** A layer from its Keras config: {@code keyValues} alternate names and values (a null value or key "name_suffix" left out). */
    Layer layer(String className, Object... keyValues) {
        ObjectNode config = JSON.createObjectNode();
        config.put("name", className.toLowerCase(java.util.Locale.ROOT) + "_" + names++);
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i].equals("name_suffix")) continue;
            config.set((String) keyValues[i], JSON.valueToTree(keyValues[i + 1]));
        }
        ObjectNode layer = JSON.createObjectNode();
        layer.put("class_name", className);
        layer.set("config", config);
        return Layers.fromConfig(layer, keras3 ? kdnn.layers.KerasVersion.KERAS_3 : kdnn.layers.KerasVersion.KERAS_2);
    }

    static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asInt();
        return v;
    }

    /** Weights scaled by their fan-in, so values keep their size through the graph; variances positive. */
    void randomizeWeights(Layer l) {
        List<Weight> set = new ArrayList<>();
        for (Weight w : l.getWeights()) {
            float[] v = kdnn.TestData.random(r, w.values().length);
            int[] shape = w.shape();
            long fanIn = 1;
            for (int i = 0; i < shape.length - 1; i++) fanIn *= shape[i];
            boolean kernel = w.name().contains("kernel");
            for (int i = 0; i < v.length; i++) {
                if (w.name().contains("variance")) v[i] = 0.5f + Math.abs(v[i]);
                else if (w.name().contains("gamma")) v[i] = 1 + 0.5f * v[i];
                else if (kernel) v[i] = (float) (v[i] * 1.5 / Math.sqrt(Math.max(1, fanIn)));
                else v[i] = 0.5f * v[i];
            }
            set.add(new Weight(w.name(), shape, v));
        }
        if (!set.isEmpty()) l.setWeights(set);
    }

    /**
     * (x - mean) / max(sqrt(variance), 1e-7) in float32 as TensorFlow steps it (inverted: mean + x * that),
     * the statistics laid out over the kept axes in ascending order, or one number for all.
     */
    static RefArray normalization(JsonNode config, List<Weight> weights, RefArray x) {
        int[] shape = x.shape();
        JsonNode a = config.get("axis");
        int[] kept = a == null || a.isNull() ? new int[0] : a.isArray() ? ints(a) : new int[] {a.asInt()};
        for (int i = 0; i < kept.length; i++) if (kept[i] < 0) kept[i] += shape.length;
        Arrays.sort(kept); // Keras keeps the axes sorted: the statistics' layout
        float[] mean;
        float[] variance;
        if (config.path("mean").isNull() || config.path("mean").isMissingNode()) {
            mean = weights.get(0).values();
            variance = weights.get(1).values();
        } else {
            mean = new float[] {(float) config.get("mean").asDouble()};
            variance = new float[] {(float) config.get("variance").asDouble()};
        }
        boolean invert = config.path("invert").asBoolean(false);
        float[] y = new float[x.data().length];
        int[] index = new int[shape.length];
        for (int i = 0; i < y.length; i++) {
            int rest = i;
            for (int d = shape.length - 1; d >= 0; d--) {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }
            int k = 0;
            for (int axis : kept) k = k * shape[axis] + index[axis];
            if (mean.length == 1) k = 0;
            float sd = (float) Math.sqrt(variance[k]);
            float d = Float.isNaN(sd) ? sd : Math.max(sd, 1e-7f);
            y[i] = invert ? mean[k] + x.data()[i] * d : (x.data()[i] - mean[k]) / d;
        }
        return new RefArray(shape.clone(), y);
    }

    RefArray reference(Layer l, RefArray x) {
        JsonNode config = Layers.toConfig(l).get("config");
        return switch (l.className()) {
            case "LeakyReLU" -> ReferenceSurrounding.relu(x, null, config.get("alpha").asDouble(), 0);
            case "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D" -> {
                List<Weight> w = l.getWeights();
                int n = rank - 1;
                yield kdnn.reference.ReferenceConvLSTM.run(x, new RefArray(w.get(0).shape(), w.get(0).values()),
                        new RefArray(w.get(1).shape(), w.get(1).values()),
                        w.size() > 2 ? new RefArray(w.get(2).shape(), w.get(2).values()) : null, ints(config, "strides", n),
                        config.get("padding").asText(), ints(config, "dilation_rate", n), false,
                        config.get("activation").asText(), config.get("recurrent_activation").asText(),
                        config.get("return_sequences").asBoolean(), config.get("go_backwards").asBoolean());
            }
            case "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "ActivityRegularization" -> x;
            case "SimpleRNN", "LSTM", "GRU" -> {
                ReferenceRecurrent.Cell cell = switch (l.className()) {
                    case "LSTM" -> ReferenceRecurrent.Cell.LSTM;
                    case "GRU" -> config.get("reset_after").asBoolean() ? ReferenceRecurrent.Cell.GRU
                            : ReferenceRecurrent.Cell.GRU_RESET_BEFORE;
                    default -> ReferenceRecurrent.Cell.SIMPLE_RNN;
                };
                List<Weight> w = l.getWeights();
                int[] s = x.shape();
                int units = config.get("units").asInt();
                float[] y = ReferenceRecurrent.run(cell, config.get("activation").asText(),
                        config.path("recurrent_activation").asText("sigmoid"), x.data(), s[0], s[1], s[2], units,
                        w.get(0).values(), w.get(1).values(), w.size() > 2 ? w.get(2).values() : null, true,
                        config.get("go_backwards").asBoolean());
                yield new RefArray(new int[] {s[0], s[1], units}, y);
            }
            case "Permute" -> ReferenceSurrounding.permute(x, ints(config.get("dims")));
            case "Tile" -> kdnn.reference.ReferenceOperations.tile(x, ints(config.get("repeats")));
            case "Take" -> kdnn.reference.ReferenceOperations.take(x, config.get("axis").asInt(), ints(config.get("indices")));
            case "Repeat" -> kdnn.reference.ReferenceOperations.repeat(x, config.get("axis").asInt(), config.get("repeats").asInt());
            case "ConstantMaximum", "ConstantMinimum" -> kdnn.reference.ReferenceOperations.extreme(x,
                    config.get("y").asDouble(), l.className().equals("ConstantMaximum"));
            case "Normalize" -> kdnn.reference.ReferenceOperations.normalizeLastAxis(x, 1e-7);
            case "DepthToSpace" -> kdnn.reference.ReferenceOperations.depthToSpace(x, config.get("block_size").asInt(),
                    config.get("data_format").asText().equals("NCHW"));
            case "SpaceToDepth" -> kdnn.reference.ReferenceOperations.spaceToDepth(x, config.get("block_size").asInt(),
                    config.get("data_format").asText().equals("NCHW"));
            case "Reshape" -> ReferenceSurrounding.reshape(x, ints(config.get("target_shape")));
            case "ThresholdedReLU" -> ReferenceSurrounding.thresholdedRelu(x, config.get("theta").asDouble());
            case "ELU" -> ReferenceSurrounding.elu(x, config.get("alpha").asDouble());
            case "EinsumDense" -> {
                String[] eq = config.get("equation").asText().split("->");
                String[] operands = eq[0].split(",");
                int axis = operands[0].indexOf(operands[1].charAt(0));
                int[] outShape = x.shape().clone();
                List<Weight> w = l.getWeights();
                outShape[axis] = w.get(0).shape()[1];
                yield kdnn.reference.ReferenceEinsum.apply(operands[0], x, operands[1], new RefArray(w.get(0).shape(),
                        w.get(0).values()), eq[1], outShape, w.size() > 1 ? new RefArray(w.get(1).shape(), w.get(1).values())
                        : null, config.get("activation").asText());
            }
            case "Resizing" -> kdnn.reference.ReferenceShapeOps.resizeByKernel(config.get("interpolation").asText(),
                    config.path("antialias").asBoolean(false), x, config.get("height").asInt(), config.get("width").asInt(),
                    channelsFirst);
            case "CenterCrop" -> {
                int h = config.get("height").asInt();
                int w = config.get("width").asInt();
                int inH = x.shape()[spatialAxis(0)];
                int inW = x.shape()[spatialAxis(1)];
                if (inH >= h && inW >= w) {
                    yield kdnn.reference.ReferenceShapeOps.window(x, (inH - h) / 2, (inW - w) / 2, h, w, 0, channelsFirst);
                }
                // smaller than the target: Keras 3's smart_resize, the centred window of the target's aspect ratio
                // (at least one pixel each way) resized bilinearly
                int cropH = Math.max(Math.min(inH, (int) ((float) (inW * h) / w)), 1);
                int cropW = Math.max(Math.min(inW, (int) ((float) (inH * w) / h)), 1);
                RefArray window = kdnn.reference.ReferenceShapeOps.window(x, (int) ((float) (inH - cropH) / 2),
                        (int) ((float) (inW - cropW) / 2), cropH, cropW, 0, channelsFirst);
                yield kdnn.reference.ReferenceShapeOps.resize(window, h, w, true, channelsFirst);
            }
            case "UnitNormalization", "RMSNormalization" -> {
                int[] shape = x.shape();
                JsonNode a = config.get("axis");
                int[] axes = a.isArray() ? java.util.stream.StreamSupport.stream(a.spliterator(), false)
                        .mapToInt(JsonNode::asInt).toArray() : new int[] {a.asInt()};
                for (int i = 0; i < axes.length; i++) if (axes[i] < 0) axes[i] += shape.length;
                long[] dims = Arrays.stream(shape).asLongStream().toArray();
                double[] y = l.className().equals("UnitNormalization")
                        ? kdnn.layers.UnitNormalizationTest.reference(x.data(), dims, axes)
                        : kdnn.layers.RMSNormalizationTest.reference(x.data(), dims, axes, config.get("epsilon").asDouble(),
                                l.getWeights().get(0).values(), Arrays.stream(l.getWeights().get(0).shape()).asLongStream().toArray());
                float[] f = new float[y.length];
                for (int i = 0; i < f.length; i++) f[i] = (float) y[i];
                yield new RefArray(shape.clone(), f);
            }
            case "LayerNormalization", "GroupNormalization" -> {
                List<Weight> w = l.getWeights();
                boolean center = config.get("center").asBoolean();
                boolean scale = config.get("scale").asBoolean();
                float[] gamma = scale ? w.get(0).values() : null;
                float[] beta = center ? w.get(scale ? 1 : 0).values() : null;
                long[] shape = Arrays.stream(x.shape()).asLongStream().toArray();
                double epsilon = config.get("epsilon").asDouble();
                double[] y;
                if (l.className().equals("GroupNormalization")) {
                    y = kdnn.layers.GroupNormalizationTest.reference(x.data(), shape, config.get("axis").asInt(),
                            config.get("groups").asInt(), epsilon, gamma, beta);
                } else {
                    int[] axes = config.get("axis").isArray() ? ints(config.get("axis")) : new int[] {config.get("axis").asInt()};
                    for (int i = 0; i < axes.length; i++) if (axes[i] < 0) axes[i] += shape.length;
                    Arrays.sort(axes);
                    y = kdnn.layers.LayerNormalizationTest.reference(x.data(), shape, axes, epsilon, gamma, beta);
                }
                float[] f = new float[y.length];
                for (int i = 0; i < f.length; i++) f[i] = (float) y[i];
                yield new RefArray(x.shape().clone(), f);
            }
            case "Rescaling" -> ReferenceSurrounding.rescaling(x, config.get("scale").asDouble(), config.get("offset").asDouble());
            case "StochasticDepth" -> x;
            case "TimeDistributed" -> { // the inner layer on (batch * steps, ...), seen again with both axes
                Layer inner = ((kdnn.layers.TimeDistributed) l).layer();
                int[] s = x.shape();
                int[] folded = new int[s.length - 1];
                folded[0] = s[0] * s[1];
                System.arraycopy(s, 2, folded, 1, s.length - 2);
                RefArray y = reference(inner, new RefArray(folded, x.data()));
                int[] out = new int[y.rank() + 1];
                out[0] = s[0];
                out[1] = s[1];
                System.arraycopy(y.shape(), 1, out, 2, y.rank() - 1);
                yield new RefArray(out, y.data());
            }
            case "LayerScale" -> {
                float[] gamma = l.getWeights().get(0).values();
                float[] y = new float[x.data().length];
                for (int i = 0; i < y.length; i++) y[i] = x.data()[i] * gamma[i % gamma.length];
                yield new RefArray(x.shape().clone(), y);
            }
            case "Normalization" -> normalization(config, l.getWeights(), x);
            case "Softmax" -> {
                JsonNode a = config.get("axis");
                int[] axes = a.isArray() ? ints(a) : new int[] {a.asInt()};
                for (int i = 0; i < axes.length; i++) if (axes[i] < 0) axes[i] += x.rank();
                java.util.Arrays.sort(axes);
                yield ReferenceSurrounding.softmax(x, axes, a.isArray() && axes.length > 1);
            }
            case "PReLU" -> {
                Weight alpha = l.getWeights().get(0);
                yield ReferenceSurrounding.prelu(x, new RefArray(alpha.shape(), alpha.values()));
            }
            default -> keras3 && l.className().contains("Conv") ? kdnn.reference.ReferenceLayer.run(Layers.toConfig(l), x,
                    l.getWeights().stream().map(w -> new RefArray(w.shape(), w.values())).toList(), true)
                    : GraphReference.layer(l, x);
        };
    }
}
