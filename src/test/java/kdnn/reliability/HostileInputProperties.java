package kdnn.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.layers.Weight;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceLayer;
import kdnn.reference.ReferenceShapeOps;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;

/**
 * Hostile input, property-based: random layer configurations of all 14 classes, weight shapes
 * and input shapes, valid and invalid. Each case either matches the pure-Java reference or is
 * refused with an IllegalArgumentException whose message names the offending argument; no
 * other exception, no crash. Runs in its own forked JVM (see the pom's hostile-input execution),
 * so a crash fails the build instead of killing it.
 */
class HostileInputProperties {
    static final List<String> CLASSES = List.of("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "SeparableConv2D",
            "Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
            "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D");
    private static final String[] ACTIVATIONS = {"linear", "relu", "relu6", "elu", "selu", "softplus", "softsign",
        "tanh", "sigmoid", "hard_sigmoid", "softmax", "swish", "silu", "hard_silu", "gelu", "mish", "exponential", null};
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** Drawn by properties of their own, so the cases drawn for the classes above stay as they were. */
    static final List<String> LATER_CONVOLUTIONS = List.of("Conv1DTranspose", "Conv3DTranspose", "SeparableConv1D",
            "DepthwiseConv1D", "DepthwiseConv2D");

    /** tf.keras' locally connected layers, drawn by properties of their own. */
    static final List<String> LOCALLY_CONNECTED = List.of("LocallyConnected1D", "LocallyConnected2D");

    @Provide
    Arbitrary<String> locallyConnected() {
        return Arbitraries.of(LOCALLY_CONNECTED);
    }

    @Provide
    Arbitrary<String> classes() {
        return Arbitraries.of(CLASSES);
    }

    @Provide
    Arbitrary<String> laterConvolutions() {
        return Arbitraries.of(LATER_CONVOLUTIONS);
    }

    /** What kdnn did with one case. */
    private record Outcome(float[] values, long[] shape, IllegalArgumentException refusal) {
        static final Outcome TOO_LARGE_TO_RUN = new Outcome(null, null, null);
    }

    /** A generated case: the layer JSON, the input shape, weights (null: the layer's own shapes), hostility. */
    record Case(ObjectNode layer, int[] inputShape, List<int[]> weightShapes, long seed, boolean hostile) {
        @Override
        public String toString() {
            return layer + " input " + Arrays.toString(inputShape) + " weights "
                    + (weightShapes == null ? "as built" : weightShapes.stream().map(Arrays::toString).toList());
        }
    }

    @Property(tries = 6000, shrinking = ShrinkingMode.OFF, seed = "20261124")
    void everyCaseMatchesTheReferenceOrIsRefusedNamingTheArgument(@ForAll("classes") String cls, @ForAll long seed,
                                                                 @ForAll @IntRange(min = 0, max = 3) int hostility) {
        Case c = generate(cls, new SplittableRandom(seed), hostility);
        check(c, false);
    }

    @Property(tries = 1500, shrinking = ShrinkingMode.OFF, seed = "20261202")
    void laterConvolutionsMatchTheReferenceOrAreRefusedNamingTheArgument(@ForAll("laterConvolutions") String cls,
            @ForAll long seed, @ForAll @IntRange(min = 0, max = 3) int hostility) {
        check(generate(cls, new SplittableRandom(seed), hostility), false);
    }

    @Property(tries = 500, shrinking = ShrinkingMode.OFF, seed = "20261203")
    void laterConvolutionsPropagateNanAndInfinityAsInKeras(@ForAll("laterConvolutions") String cls, @ForAll long seed) {
        check(generate(cls, new SplittableRandom(seed), 0), true);
    }

    @Property(tries = 800, shrinking = ShrinkingMode.OFF, seed = "20261205")
    void locallyConnectedLayersMatchTheReferenceOrAreRefusedNamingTheArgument(@ForAll("locallyConnected") String cls,
            @ForAll long seed, @ForAll @IntRange(min = 0, max = 3) int hostility) {
        check(generate(cls, new SplittableRandom(seed), hostility), false);
    }

    @Property(tries = 300, shrinking = ShrinkingMode.OFF, seed = "20261206")
    void locallyConnectedLayersPropagateNanAndInfinityAsInKeras(@ForAll("locallyConnected") String cls, @ForAll long seed) {
        check(generate(cls, new SplittableRandom(seed), 0), true);
    }

    /** NaN and +-Inf in inputs (any layer) and weights (where every tap meets an input) propagate as the reference says. */
    @Property(tries = 1500, shrinking = ShrinkingMode.OFF, seed = "424242")
    void nanAndInfinityPropagateAsInKeras(@ForAll("classes") String cls, @ForAll long seed) {
        check(generate(cls, new SplittableRandom(seed), 0), true);
    }

    // ---- generation ----

    static Case generate(String cls, SplittableRandom r, int hostility) {
        int rank = cls.endsWith("1D") ? 1 : cls.endsWith("3D") ? 3 : 2;
        boolean local = cls.startsWith("LocallyConnected");
        boolean conv = cls.startsWith("Conv") || cls.startsWith("Separable") || cls.startsWith("Depthwise") || local;
        boolean transposed = cls.endsWith("Transpose");
        ObjectNode cfg = F.objectNode();
        boolean cf = rank > 1 && r.nextInt(3) == 0;
        int[] kernel = new int[rank];
        int[] strides = new int[rank];
        int[] dilation = new int[rank];
        if (conv) {
            if (!cls.startsWith("Depthwise")) cfg.put("filters", 1 + r.nextInt(4));
            boolean dilate = !transposed && !local && r.nextInt(3) == 0;
            for (int a = 0; a < rank; a++) {
                kernel[a] = 1 + r.nextInt(3);
                strides[a] = dilate ? 1 : 1 + r.nextInt(2);
                dilation[a] = dilate ? 1 + r.nextInt(2) : 1;
            }
            cfg.set("kernel_size", r.nextBoolean() && allEqual(kernel) ? F.numberNode(kernel[0]) : ints(kernel));
            cfg.set("strides", ints(strides));
            if (local) {
                cfg.put("implementation", 1 + r.nextInt(3));
            } else if (!transposed || r.nextBoolean()) {
                cfg.set("dilation_rate", ints(dilation));
            }
            String[] paddings = cls.equals("Conv1D") || cls.equals("SeparableConv1D")
                    ? new String[] {"valid", "same", "causal", "SAME"}
                    : new String[] {"valid", "same", "Valid"};
            cfg.put("padding", paddings[r.nextInt(paddings.length)]);
            String act = ACTIVATIONS[r.nextInt(ACTIVATIONS.length)];
            if (act == null) cfg.putNull("activation"); else cfg.put("activation", act);
            cfg.put("use_bias", r.nextInt(4) != 0);
            if (cls.startsWith("Separable") || cls.startsWith("Depthwise")) cfg.put("depth_multiplier", 1 + r.nextInt(2));
            // 'same' with an even kernel and output_padding 0 is refused by both kdnn and the reference (TensorFlow's rule)
            if (transposed && r.nextInt(3) == 0) {
                int[] op = new int[rank];
                for (int a = 0; a < rank; a++) op[a] = r.nextInt(strides[a]);
                cfg.set("output_padding", ints(op));
            }
            if ((cls.equals("Conv1D") || cls.equals("Conv2D")) && r.nextInt(5) == 0) {
                cfg.put("groups", 1 + r.nextInt(2));
            }
        } else if (cls.startsWith("UpSampling")) {
            int[] size = new int[rank];
            for (int a = 0; a < rank; a++) size[a] = 1 + r.nextInt(3);
            cfg.set("size", rank == 1 ? F.numberNode(size[0]) : ints(size));
            if (cls.equals("UpSampling2D") && r.nextBoolean()) {
                cfg.put("interpolation", ReferenceShapeOps.RESIZE_METHODS[r.nextInt(ReferenceShapeOps.RESIZE_METHODS.length)]);
            }
        } else {
            String key = cls.startsWith("Cropping") ? "cropping" : "padding";
            int form = r.nextInt(3);
            if (form == 0) {
                cfg.put(key, r.nextInt(3));
            } else if (rank == 1) {
                cfg.set(key, ints(r.nextInt(3), r.nextInt(3)));
            } else {
                ArrayNode pairs = F.arrayNode();
                for (int a = 0; a < rank; a++) {
                    if (form == 1) pairs.add(r.nextInt(3));
                    else pairs.add(ints(new int[] {r.nextInt(3), r.nextInt(3)}));
                }
                cfg.set(key, pairs);
            }
        }
        if (rank > 1 || conv) {
            int df = r.nextInt(4);
            if (df == 0 && rank > 1) cfg.put("data_format", cf ? "channels_first" : "channels_last");
            else if (cf) cfg.put("data_format", "channels_first");
        }
        if (cls.equals("Conv1D")) {
            cfg.remove("data_format");
            cf = false;
        }
        // input shape: fits the layer, mostly
        int channels = 1 + r.nextInt(4);
        if (cfg.has("groups")) channels = cfg.get("groups").asInt() * (1 + r.nextInt(2));
        int[] shape = new int[rank + 2];
        shape[0] = 1 + r.nextInt(2);
        for (int a = 0; a < rank; a++) {
            int minimum = conv ? (kernel[a] - 1) * dilation[a] + 1 : cls.startsWith("Cropping") ? 5 : 1;
            shape[cf ? 2 + a : 1 + a] = minimum + r.nextInt(rank == 3 ? 3 : 5);
        }
        shape[cf ? 1 : rank + 1] = channels;
        if (cfg.has("groups")) {
            cfg.put("filters", cfg.get("groups").asInt() * (1 + r.nextInt(2)));
        }
        List<int[]> weightShapes = null;
        // hostility: corrupt some arguments
        for (int h = 0; h < hostility; h++) {
            switch (r.nextInt(4)) {
                case 0, 1 -> corruptConfig(cfg, r);
                case 2 -> shape = corruptShape(shape, r);
                default -> weightShapes = corruptWeights(r);
            }
        }
        ObjectNode layer = F.objectNode();
        layer.put("class_name", cls);
        layer.set("config", cfg);
        return new Case(layer, shape, weightShapes, r.nextLong(), hostility > 0);
    }

    private static boolean allEqual(int[] a) {
        return Arrays.stream(a).allMatch(x -> x == a[0]);
    }

    static ArrayNode ints(int... v) {
        ArrayNode a = F.arrayNode();
        for (int x : v) a.add(x);
        return a;
    }

    private static final String[] KEYS = {"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
        "activation", "use_bias", "groups", "depth_multiplier", "output_padding", "cropping", "size", "interpolation",
        "name", "dtype", "trainable", "kernel_initializer", "bias_regularizer"};

    /** A hostile value for a key the config has (or a new key). */
    private static void corruptConfig(ObjectNode cfg, SplittableRandom r) {
        List<String> present = new ArrayList<>();
        cfg.fieldNames().forEachRemaining(present::add);
        String key = r.nextInt(4) == 0 || present.isEmpty() ? KEYS[r.nextInt(KEYS.length)] : present.get(r.nextInt(present.size()));
        JsonNode v = switch (r.nextInt(16)) {
            case 0 -> F.numberNode(0);
            case 1 -> F.numberNode(-1);
            case 2 -> F.numberNode(Integer.MAX_VALUE);
            case 3 -> F.numberNode(1L << 40);
            case 4 -> F.textNode("x");
            case 5 -> F.nullNode();
            case 6 -> ints(1, 2, 3, 4, 5);
            case 7 -> ints();
            case 8 -> F.numberNode(1.5);
            case 9 -> F.booleanNode(true);
            case 10 -> F.objectNode();
            case 11 -> ints(0, -3);
            case 12 -> F.arrayNode().add(ints(1, 2, 3)).add(F.textNode("a"));
            case 13 -> F.textNode("causal");
            case 14 -> F.numberNode(-2147483648);
            default -> F.textNode("channels_sideways");
        };
        cfg.set(key, v);
    }

    private static int[] corruptShape(int[] shape, SplittableRandom r) {
        return switch (r.nextInt(5)) {
            case 0 -> Arrays.copyOf(shape, shape.length + 1); // extra axis of 0
            case 1 -> Arrays.copyOf(shape, Math.max(0, shape.length - 1));
            case 2 -> {
                int[] s = shape.clone();
                s[r.nextInt(s.length)] = 0;
                yield s;
            }
            case 3 -> {
                int[] s = shape.clone();
                s[r.nextInt(s.length)] = 1;
                yield s;
            }
            default -> {
                int[] s = shape.clone();
                s[s.length - 1] += 1 + r.nextInt(3);
                yield s;
            }
        };
    }

    private static List<int[]> corruptWeights(SplittableRandom r) {
        List<int[]> w = new ArrayList<>();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            int[] s = new int[1 + r.nextInt(4)];
            for (int a = 0; a < s.length; a++) s[a] = 1 + r.nextInt(3);
            w.add(s);
        }
        return w;
    }

    // ---- checking ----

    static void check(Case c, boolean specials) {
        SplittableRandom r = new SplittableRandom(c.seed);
        long[] shape = Arrays.stream(c.inputShape).asLongStream().toArray();
        float[] x = Fixtures.input(r.nextLong(), shape);
        // Special weights only where every tap meets an input value: oneDNN skips padding but
        // multiplies the zeros between a transposed convolution's strided inputs (0 x Inf = NaN
        // where the reference, Keras' definition, adds nothing): see RELIABILITY.md.
        boolean everyTapMeetsInput = !c.layer.path("config").path("padding").asText("valid").toLowerCase(Locale.ROOT).equals("same")
                && !c.layer.path("config").path("padding").asText("").equals("causal")
                && !c.layer.path("class_name").asText().endsWith("Transpose");
        if (specials) {
            sprinkle(x, r);
        }
        List<Weight> weights = new ArrayList<>();
        Outcome got;
        try {
            got = runKdnn(c, shape, x, weights, r, specials && everyTapMeetsInput);
        } catch (RuntimeException | Error e) {
            throw new AssertionError("kdnn threw " + e + " (not an IllegalArgumentException) for " + c, e);
        }
        if (got == Outcome.TOO_LARGE_TO_RUN) {
            return; // the reference would try to allocate it too
        }
        if (got.refusal != null && c.hostile) {
            // a hostile case may be refused whatever the (lenient) reference does, which may be
            // to allocate a huge output (an upsampling size near int32's end): not run
            checkMessageNamesArgument(c, got.refusal);
            return;
        }
        List<RefArray> refWeights = weights.stream().map(w -> new RefArray(w.shape(), w.values())).toList();
        RefArray want;
        RuntimeException refused = null;
        try {
            want = ReferenceLayer.run(c.layer, new RefArray(c.inputShape, x), refWeights);
        } catch (RuntimeException e) {
            want = null;
            refused = e;
        }
        if (got.refusal != null) {
            checkMessageNamesArgument(c, got.refusal);
            // a valid case must be computed
            if (want != null) {
                throw new AssertionError("kdnn refused a case the reference computes: " + got.refusal.getMessage()
                        + " for " + c);
            }
            return;
        }
        if (want == null && !(refused instanceof IllegalArgumentException)) {
            return; // the reference itself broke on a hostile case (e.g. int overflow): nothing to compare
        }
        if (want == null && got.values.length == 0) {
            return; // an empty output whose shape the int-based reference cannot represent
        }
        if (want == null) {
            throw new AssertionError("kdnn computed a case the reference refuses (" + refused.getMessage() + "): " + c);
        }
        long[] wantShape = Arrays.stream(want.shape()).asLongStream().toArray();
        if (!Arrays.equals(wantShape, got.shape)) {
            throw new AssertionError("output shape " + Arrays.toString(got.shape) + ", reference "
                    + Arrays.toString(wantShape) + " for " + c);
        }
        for (int i = 0; i < got.values.length; i++) {
            float g = got.values[i];
            float w = want.data()[i];
            boolean ok = Float.isNaN(w) ? Float.isNaN(g)
                    : Float.isInfinite(w) ? g == w
                    : !Float.isNaN(g) && !Float.isInfinite(g) && Math.abs(g - w) <= 1e-4 + 1e-4 * Math.abs(w);
            if (!ok) {
                throw new AssertionError("value " + i + ": kdnn " + g + ", reference " + w + " for " + c);
            }
        }
    }

    private static void sprinkle(float[] v, SplittableRandom r) {
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n && v.length > 0; i++) {
            v[r.nextInt(v.length)] = specials[r.nextInt(specials.length)];
        }
    }

    private static Outcome runKdnn(Case c, long[] shape, float[] x, List<Weight> weights, SplittableRandom r,
                                   boolean specialWeights) {
        Layer layer;
        try {
            layer = Layers.fromConfig(c.layer);
        } catch (IllegalArgumentException e) {
            return new Outcome(null, null, e);
        }
        try (layer) {
            layer.setExtremes(kdnn.layers.ExtremeValues.KERAS); // the reference propagates NaN, as Keras' eager calls
            try {
                layer.build(shape);
            } catch (IllegalArgumentException e) {
                return new Outcome(null, null, e);
            }
            List<Weight> own = layer.getWeights();
            if (c.weightShapes == null) {
                for (Weight w : own) {
                    float[] v = kdnn.TestData.random(r, w.values().length);
                    if (specialWeights) sprinkle(v, r);
                    weights.add(new Weight(w.name(), w.shape(), v));
                }
            } else {
                for (int[] s : c.weightShapes) {
                    weights.add(new Weight("w", s, kdnn.TestData.random(r, Fixtures.size(Arrays.stream(s).asLongStream().toArray()))));
                }
            }
            try {
                layer.setWeights(weights);
            } catch (IllegalArgumentException e) {
                return new Outcome(null, null, e);
            }
            try {
                long[] outShape = layer.computeOutputShape(shape);
                long n = 1;
                for (long d : outShape) n = Math.multiplyExact(n, Math.max(d, 0));
                if (n > 1 << 22) {
                    return Outcome.TOO_LARGE_TO_RUN; // a legal but huge output (e.g. size=2^31-1): not allocated here
                }
            } catch (ArithmeticException e) {
                return Outcome.TOO_LARGE_TO_RUN;
            } catch (IllegalArgumentException e) {
                return new Outcome(null, null, e);
            }
            try (Tensor in = Tensor.of(x, shape); Tensor out = layer.call(in)) {
                return new Outcome(out.toFloatArray(), out.shape(), null);
            } catch (IllegalArgumentException e) {
                return new Outcome(null, null, e);
            }
        }
    }

    /** The message names a config key that is present, the input, or a weight. */
    static void checkMessageNamesArgument(Case c, IllegalArgumentException e) {
        String m = String.valueOf(e.getMessage());
        String lower = m.toLowerCase(Locale.ROOT);
        if (lower.contains("input") || lower.contains("weight") || lower.contains("kernel") || lower.contains("bias")) {
            return;
        }
        Iterator<String> keys = c.layer.path("config").fieldNames();
        while (keys.hasNext()) {
            String k = keys.next();
            if (m.contains(k)) {
                return;
            }
        }
        throw new AssertionError("refusal names no argument: \"" + m + "\" for " + c);
    }
}
