package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceLayer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Randomized configurations of every convolution layer, run by oneDNN and by the pure-Java
 * reference on the same config, input and weights. {@code -Dkdnn.convCases=N} draws N cases in
 * each random factory (600 and 300 by default) from {@code -Dkdnn.convCasesFrom=S} (seeds S on;
 * default each factory's own), and {@code -Dkdnn.convCasesWide=true} draws wider ones (channels and
 * filters up to 64, across oneDNN's 16-wide blocks, and more columns): how the soaks that found
 * oneDNN's one-column flaws ran.
 */
class ConvVsReferenceTest {
    private static final String[] ACTIVATIONS = {"linear", "relu", "elu", "selu", "softplus", "softsign", "tanh",
        "sigmoid", "hard_sigmoid", "softmax", "log_softmax", "swish", "gelu", "exponential", "mish", "leaky_relu",
        "relu6", "silu", "celu", "hard_tanh", "sparse_sigmoid", "log_sigmoid", "tanh_shrink", "soft_shrink", "hard_shrink", "sparse_plus", "squareplus",
        "sparsemax"};
    private static final String[] CLASSES = {"Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
        "Conv3DTranspose", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D"};
    /** The classes whose strides and dilation above 1 go together under Keras 3's rules. */
    private static final String[] KERAS_3_STRIDED_DILATION = {"SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D",
        "DepthwiseConv2D"};

    private static final boolean WIDE = Boolean.getBoolean("kdnn.convCasesWide");

    /** Seeds {@code from} on ({@code kdnn.convCasesFrom} where set), {@code count} of them ({@code kdnn.convCases}). */
    private static IntStream seeds(int from, int count) {
        int start = Integer.getInteger("kdnn.convCasesFrom", from);
        return IntStream.range(start, start + Integer.getInteger("kdnn.convCases", count));
    }

    @TestFactory
    Stream<DynamicTest> randomConfigurationsMatchTheReference() {
        return seeds(1000, 600).mapToObj(i -> {
            Case c = randomCase(new SplittableRandom(i), CLASSES, false);
            return DynamicTest.dynamicTest(i + " " + c.layer.get("class_name").asText() + " " + c.layer.get("config")
                    + " input " + Arrays.toString(c.inputShape), () -> check(c));
        });
    }

    /** Keras 3's rules: depthwise and separable convolutions with strides and dilation both above 1. */
    @TestFactory
    Stream<DynamicTest> keras3StridedDilationMatchesTheReference() {
        return seeds(9000, 60).mapToObj(i -> {
            Case c = randomCase(new SplittableRandom(i), KERAS_3_STRIDED_DILATION, true);
            return DynamicTest.dynamicTest(i + " " + c.layer.get("class_name").asText() + " " + c.layer.get("config")
                    + " input " + Arrays.toString(c.inputShape), () -> check(c));
        });
    }

    /** A case; {@code bf16}: computed in bf16, checked within bf16's rounding of inputs and weights. */
    /** Channel and filter counts of the wide draws: ones, and both sides of oneDNN's 16-wide blocks. */
    private static final int[] WIDTHS = {1, 1, 2, 3, 8, 15, 16, 17, 32, 33, 48, 64};

    private record Case(ObjectNode layer, int[] inputShape, long seed, boolean keras3, boolean bf16) {
        Case(ObjectNode layer, int[] inputShape, long seed, boolean keras3) {
            this(layer, inputShape, seed, keras3, false);
        }

        Case inBf16() {
            ObjectNode l = layer.deepCopy();
            String act = l.get("config").get("activation").asText();
            // 1-Lipschitz activations, so that the rounding bound below holds through them
            ((ObjectNode) l.get("config")).put("activation", act.equals("relu") ? "relu" : "linear");
            return new Case(l, inputShape, seed, keras3, true);
        }
    }

    /**
     * bf16 on random configurations of every class, checked against the reference within bf16's
     * rounding: each value within 2^-6 of the sum of its terms' magnitudes (inputs and weights
     * round by 2^-9 each, a separable's middle value once more).
     */
    @TestFactory
    Stream<DynamicTest> bf16MatchesTheReferenceWithinItsRounding() {
        org.junit.jupiter.api.Assumptions.assumeTrue(kdnn.runtime.Convolutions.bf16Supported(), "no bf16 on this CPU");
        return seeds(4000, 300).mapToObj(i -> {
            Case c = randomCase(new SplittableRandom(i), CLASSES, false).inBf16();
            return DynamicTest.dynamicTest(i + " " + c.layer.get("class_name").asText() + " " + c.layer.get("config")
                    + " input " + Arrays.toString(c.inputShape), () -> check(c));
        });
    }

    /**
     * An output one column wide with a stride along the columns: oneDNN 3.13's bf16 brgconv
     * miscomputed these for any channels, in 1D to 3D, plain, grouped, depthwise and separable
     * (found by bf16 random cases); kdnn reads only the window's columns with stride 1 there.
     */
    @TestFactory
    Stream<DynamicTest> bf16OneStridedColumnMatchesTheReference() {
        org.junit.jupiter.api.Assumptions.assumeTrue(kdnn.runtime.Convolutions.bf16Supported(), "no bf16 on this CPU");
        List<DynamicTest> tests = new ArrayList<>();
        int[][] cases = {{4, 4, 4}, {3, 3, 5}, {2, 3, 4}}; // stride, kernel, input columns
        for (String cls : new String[] {"Conv1D", "Conv2D", "Conv3D", "DepthwiseConv2D", "SeparableConv2D"}) {
            int rank = rank(cls);
            for (int[] k : cases) {
                for (int channels : new int[] {3, 16}) {
                    String padding = k[0] == 4 ? "same" : "valid";
                    ObjectNode layer = JsonNodeFactory.instance.objectNode().put("class_name", cls);
                    ObjectNode config = layer.putObject("config");
                    if (!cls.startsWith("Depthwise")) config.put("filters", 16);
                    if (!cls.equals("Conv2D") && !cls.equals("Conv1D") && !cls.equals("Conv3D")) config.put("depth_multiplier", 2);
                    if (cls.equals("Conv2D") && channels == 16) config.put("groups", 4);
                    config.put("padding", padding).put("activation", "linear");
                    var kernel = config.putArray("kernel_size");
                    var strides = config.putArray("strides");
                    int[] shape = new int[rank + 2];
                    shape[0] = 2;
                    for (int a = 0; a < rank - 1; a++) {
                        kernel.add(2);
                        strides.add(1);
                        shape[1 + a] = 3;
                    }
                    kernel.add(k[1]);
                    strides.add(k[0]);
                    shape[rank] = k[2];
                    shape[rank + 1] = channels;
                    Case c = new Case(layer, shape, 23, false, true);
                    tests.add(DynamicTest.dynamicTest(cls + " " + config + " input " + Arrays.toString(shape), () -> check(c)));
                }
            }
        }
        return tests.stream();
    }

    /**
     * One input channel, one output column, a stride along the columns: oneDNN 3.13's brgconv
     * miscomputed these in 2D and 3D (off by up to 2.5 times the values; found by
     * HostileInputProperties); kdnn reads only the window's columns with stride 1 there.
     */
    @TestFactory
    Stream<DynamicTest> oneChannelIntoOneStridedColumnMatchesTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        int[][] cases = {{2, 2, 3}, {2, 3, 3}, {2, 3, 4}, {3, 2, 4}, {3, 3, 5}}; // stride, kernel, input columns
        for (int rank = 2; rank <= 3; rank++) {
            for (int[] k : cases) {
                for (String padding : new String[] {"valid", "same"}) {
                    ObjectNode layer = JsonNodeFactory.instance.objectNode().put("class_name", "Conv" + rank + "D");
                    ObjectNode config = layer.putObject("config");
                    config.put("filters", 16).put("padding", padding).put("activation", "linear");
                    var kernel = config.putArray("kernel_size");
                    var strides = config.putArray("strides");
                    for (int a = 0; a < rank - 1; a++) {
                        kernel.add(3);
                        strides.add(1);
                    }
                    kernel.add(k[1]);
                    strides.add(k[0]);
                    int[] shape = rank == 3 ? new int[] {2, 4, 4, k[2], 1} : new int[] {2, 4, k[2], 1};
                    Case c = new Case(layer, shape, 17, false);
                    tests.add(DynamicTest.dynamicTest(config + " input " + Arrays.toString(shape), () -> check(c)));
                }
            }
        }
        return tests.stream();
    }

    private static int rank(String cls) {
        return cls.contains("1D") ? 1 : cls.contains("3D") ? 3 : 2;
    }

    private static Case randomCase(SplittableRandom r, String[] classes, boolean keras3) {
        String cls = classes[r.nextInt(classes.length)];
        int rank = rank(cls);
        boolean depthwise = cls.startsWith("Depthwise");
        boolean transposed = cls.endsWith("Transpose");
        ObjectNode cfg = JsonNodeFactory.instance.objectNode();
        int filters = WIDE ? WIDTHS[r.nextInt(WIDTHS.length)] : 1 + r.nextInt(5);
        if (!depthwise) cfg.put("filters", filters);
        int[] k = new int[rank];
        int[] s = new int[rank];
        int[] d = new int[rank];
        boolean dilate = r.nextInt(3) == 0;
        for (int a = 0; a < rank; a++) {
            k[a] = 1 + r.nextInt(rank == 3 ? 3 : 4);
            s[a] = dilate && !keras3 ? 1 : 1 + r.nextInt(3);
            d[a] = dilate || keras3 ? 1 + r.nextInt(3) : 1;
        }
        if (keras3) { // at least one axis each above 1, which Keras 2 refuses
            s[0] = 2 + r.nextInt(2);
            d[rank - 1] = 2 + r.nextInt(2);
        }
        cfg.set("kernel_size", ints(k));
        cfg.set("strides", ints(s));
        cfg.set("dilation_rate", ints(d));
        boolean causal = cls.equals("Conv1D") || cls.equals("SeparableConv1D") && !keras3;
        String[] paddings = causal ? new String[] {"valid", "same", "causal"} : new String[] {"valid", "same"};
        cfg.put("padding", paddings[r.nextInt(paddings.length)]);
        boolean cf = r.nextBoolean();
        cfg.put("data_format", cf ? "channels_first" : "channels_last");
        cfg.put("activation", ACTIVATIONS[r.nextInt(ACTIVATIONS.length)]);
        cfg.put("use_bias", r.nextInt(4) != 0);
        int channels = WIDE ? WIDTHS[r.nextInt(WIDTHS.length)] : 1 + r.nextInt(6);
        if (cls.startsWith("Separable") || depthwise) cfg.put("depth_multiplier", 1 + r.nextInt(3));
        // transposed convolutions take groups as tf-keras does (checked against filters, then unused)
        if (rank < 3 && cls.startsWith("Conv") && r.nextInt(4) == 0) {
            int groups = 1 + r.nextInt(3);
            cfg.put("filters", filters * groups);
            cfg.put("groups", groups);
            channels = groups * (1 + r.nextInt(3));
        }
        if (transposed && r.nextInt(3) == 0) {
            int[] op = new int[rank];
            boolean refused = false;
            for (int a = 0; a < rank; a++) {
                op[a] = r.nextInt(s[a]);
                // Keras 2's Conv3DTranspose ignores dilation_rate
                int keff = (k[a] - 1) * (cls.equals("Conv3DTranspose") ? 1 : d[a]) + 1;
                // TensorFlow refuses 'same' with an even effective kernel and no output padding (tested apart)
                refused |= cfg.get("padding").asText().equals("same") && keff % 2 == 0 && op[a] == 0;
            }
            if (!refused) cfg.set("output_padding", ints(op));
        }
        int[] shape = new int[rank + 2];
        shape[0] = 1 + r.nextInt(3);
        for (int a = 0; a < rank; a++) {
            int minimum = (k[a] - 1) * d[a] + 1;
            shape[cf ? 2 + a : 1 + a] = minimum + r.nextInt(rank == 3 ? 4 : WIDE && a == rank - 1 ? 40 : 9);
        }
        shape[cf ? 1 : rank + 1] = channels;
        ObjectNode layer = JsonNodeFactory.instance.objectNode();
        layer.put("class_name", cls);
        layer.set("config", cfg);
        return new Case(layer, shape, r.nextLong(), keras3);
    }

    /** The class's {@code fromConfig(config, KerasVersion.KERAS_3)}. */
    private static Layer keras3Layer(ObjectNode layer) {
        try {
            Class<?> cls = Class.forName("kdnn.layers." + layer.get("class_name").asText());
            return (Layer) cls.getMethod("fromConfig", com.fasterxml.jackson.databind.JsonNode.class, KerasVersion.class)
                    .invoke(null, layer.get("config"), KerasVersion.KERAS_3);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static com.fasterxml.jackson.databind.node.ArrayNode ints(int[] v) {
        var a = JsonNodeFactory.instance.arrayNode();
        for (int x : v) a.add(x);
        return a;
    }

    /** Each value within bf16's rounding: 2^-6 of the same layer run on the magnitudes (linear). */
    private static void checkBf16(Case c, float[] x, List<RefArray> refWeights, RefArray want, float[] got) {
        ObjectNode magnitudes = c.layer.deepCopy();
        ((ObjectNode) magnitudes.get("config")).put("activation", "linear");
        float[] ax = x.clone();
        for (int i = 0; i < ax.length; i++) ax[i] = Math.abs(ax[i]);
        List<RefArray> aw = new ArrayList<>();
        for (RefArray w : refWeights) {
            float[] v = w.data().clone();
            for (int i = 0; i < v.length; i++) v[i] = Math.abs(v[i]);
            aw.add(new RefArray(w.shape(), v));
        }
        RefArray bound = ReferenceLayer.run(magnitudes, new RefArray(c.inputShape, ax), aw, c.keras3);
        for (int i = 0; i < got.length; i++) {
            float w = want.data()[i];
            double tolerance = Math.scalb(bound.data()[i], -6) + 1e-6;
            assertTrue(Math.abs(got[i] - w) <= tolerance, "bf16 value " + i + ": oneDNN " + got[i] + ", reference " + w
                    + ", allowed " + tolerance);
        }
    }

    private static void check(Case c) {
        SplittableRandom r = new SplittableRandom(c.seed);
        long[] shape = Arrays.stream(c.inputShape).asLongStream().toArray();
        float[] x = TestData.random(r, (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b));
        try (Layer layer = c.keras3 ? keras3Layer(c.layer) : Layers.fromConfig(c.layer); Tensor input = Tensor.of(x, shape)) {
            layer.build(shape);
            List<Weight> weights = new ArrayList<>();
            List<RefArray> refWeights = new ArrayList<>();
            for (Weight w : layer.getWeights()) {
                float[] v = TestData.random(r, w.values().length);
                weights.add(new Weight(w.name(), w.shape(), v));
                refWeights.add(new RefArray(w.shape(), v));
            }
            layer.setWeights(weights);
            if (c.bf16) ((BaseConv) layer).setPrecision(Precision.BF16);
            RefArray want = ReferenceLayer.run(c.layer, new RefArray(c.inputShape, x), refWeights, c.keras3);
            try (Tensor got = layer.call(input)) {
                assertArrayEquals(Arrays.stream(want.shape()).asLongStream().toArray(), got.shape(), "output shape");
                float[] g = got.toFloatArray();
                if (c.bf16) {
                    checkBf16(c, x, refWeights, want, g);
                    return;
                }
                for (int i = 0; i < g.length; i++) {
                    float w = want.data()[i];
                    assertTrue(Math.abs(g[i] - w) <= 1e-4 + 1e-4 * Math.abs(w),
                            "value " + i + ": oneDNN " + g[i] + ", reference " + w);
                }
            }
        }
    }
}
