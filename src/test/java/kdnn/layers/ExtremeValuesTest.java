package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceActivation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * NaN, the infinities and values near float32's end through every activation: a layer's result
 * is Keras' (the reference's), and {@link Activation#fusedKeepsExtremes()} says truly which
 * oneDNN forms give Keras' values by themselves (so the guard is skipped only where that holds,
 * and a oneDNN that fixes the others shows up here).
 */
class ExtremeValuesTest {
    // these tests expect NaN to propagate as in Keras' eager calls: the non-default mode
    private static ExtremeValues modeBefore;

    @org.junit.jupiter.api.BeforeAll
    static void kerasExtremes() {
        modeBefore = ExtremeValues.processMode();
        ExtremeValues.setMode(ExtremeValues.KERAS);
    }

    @org.junit.jupiter.api.AfterAll
    static void restoreExtremes() {
        ExtremeValues.setMode(modeBefore);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final float[] VALUES = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -2f, 2f, 0f,
        -3e38f, 3e38f, 1e-40f, -1e-40f, 7f, -0.5f, 2e30f, -2e30f};

    /** A 1x1 Conv2D over 16 channels that passes each position's value through (weights 1/16). */
    private static Layer passThrough(String activation, long[] shape) throws Exception {
        Layer l = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Conv2D\",\"config\":{\"filters\":16,"
                + "\"kernel_size\":1,\"activation\":\"" + activation + "\"}}"));
        l.build(shape);
        List<Weight> ws = new ArrayList<>();
        for (Weight w : l.getWeights()) {
            float[] v = new float[w.values().length];
            if (w.shape().length == 4) Arrays.fill(v, 1f / 16);
            ws.add(new Weight(w.name(), w.shape(), v));
        }
        l.setWeights(ws);
        return l;
    }

    private static float[] input() {
        float[] x = new float[VALUES.length * 16];
        for (int p = 0; p < VALUES.length; p++) Arrays.fill(x, p * 16, p * 16 + 16, VALUES[p]);
        return x;
    }

    private static float[] keras(String activation) {
        RefArray pre = new RefArray(new int[] {1, VALUES.length, 1, 16}, input());
        return ReferenceActivation.apply(activation, pre).data();
    }

    private static boolean same(float want, float got) {
        if (Float.isNaN(want)) return Float.isNaN(got);
        if (Float.isInfinite(want)) return want == got;
        return Float.isFinite(got) && Math.abs(got - want) <= 1e-6 * Math.max(1, Math.abs(want));
    }

    private static String mismatches(float[] want, float[] got) {
        StringBuilder sb = new StringBuilder();
        for (int p = 0; p < VALUES.length; p++) {
            if (!same(want[p * 16], got[p * 16])) {
                sb.append(VALUES[p]).append(" -> ").append(got[p * 16]).append(" (Keras ").append(want[p * 16]).append("); ");
            }
        }
        return sb.toString();
    }

    // sparsemax: which equal huge values join Keras' support is float32 rounding's call, and the
    // convolution's own rounding of them moves it: see the test of its own below
    @ParameterizedTest
    @EnumSource(value = Activation.class, names = "SPARSEMAX", mode = EnumSource.Mode.EXCLUDE)
    void aLayerGivesKerasValuesOnExtremes(Activation a) throws Exception {
        long[] shape = {1, VALUES.length, 1, 16};
        try (Layer l = passThrough(a.kerasName(), shape); Tensor in = Tensor.of(input(), shape); Tensor out = l.call(in)) {
            assertEquals("", mismatches(keras(a.kerasName()), out.toFloatArray()), a.kerasName());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"SOFTMAX", "LOG_SOFTMAX", "SPARSEMAX"}, mode = EnumSource.Mode.EXCLUDE) // vectors: see below
    void theFusedFormIsTrustedExactlyWhereItKeepsExtremes(Activation a) throws Exception {
        long[] shape = {1, VALUES.length, 1, 16};
        try (Layer l = passThrough(a.kerasName(), shape);
             kdnn.runtime.Pipeline p = l.pipeline(shape, Variant.PLAIN);
             Arena arena = Arena.ofConfined()) {
            float[] x = input();
            MemorySegment in = arena.allocateFrom(ValueLayout.JAVA_FLOAT, x);
            MemorySegment out = arena.allocate((long) x.length * Float.BYTES, 64);
            p.execute(in, out);
            String differences = mismatches(keras(a.kerasName()), out.toArray(ValueLayout.JAVA_FLOAT));
            if (a.fusedKeepsExtremes()) {
                assertEquals("", differences, a.kerasName() + " is marked as keeping extremes");
            } else {
                // which kernel oneDNN runs depends on the CPU: an AVX2 gelu keeps extremes where the AVX-512
                // one does not, so the guard stays; only report that it was not needed here
                org.junit.jupiter.api.Assumptions.assumeFalse(differences.isEmpty(), a.kerasName()
                        + " keeps extremes on this CPU's kernels (" + l.implementations(shape)
                        + "); the guard is still needed where it does not");
            }
        }
    }

    /**
     * oneDNN's gemm-based convolution (a depthwise, dilated convolution of one pixel runs on it)
     * gives 0 for a fused sigmoid(NaN) where its other kernels keep NaN (found by RandomGraphsTest):
     * there sigmoid runs in Java after it, and the layer gives Keras' NaN.
     */
    @Test
    void sigmoidKeepsNanOnTheGemmKernelInKerasMode() throws Exception {
        Layer l = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Conv2D\",\"config\":{\"filters\":2,\"kernel_size\":3,"
                + "\"padding\":\"same\",\"groups\":2,\"dilation_rate\":2,\"activation\":\"sigmoid\"}}"));
        try (l; Tensor in = Tensor.of(new float[] {Float.NaN, 1, 2, 3}, 2, 1, 1, 2)) {
            l.setExtremes(ExtremeValues.KERAS);
            assertTrue(l.implementations(2, 1, 1, 2).toString().contains("gemm"), l.implementations(2, 1, 1, 2).toString());
            try (Tensor y = l.call(in)) {
                float[] got = y.toFloatArray();
                assertTrue(Float.isNaN(got[0]) && Float.isFinite(got[1]) && Float.isFinite(got[2]), Arrays.toString(got));
            }
        }
    }

    /** Sparsemax on vectors holding NaN, infinities and huge values: Keras' formula in float32, value for value. */
    @Test
    void sparsemaxOfExtremeVectorsIsKerasFormulaInFloat32() throws Exception {
        float n = Float.NaN;
        float i = Float.POSITIVE_INFINITY;
        float[] v = {n, 1, 2, 0, i, 1, 2, 0, -i, 1, 2, 0, i, i, -i, 0, 3e38f, -3e38f, 1, 0, 2e30f, 2e30f, 2e30f, 2e30f,
            -2e30f, -2e30f, 1, 0, 1e-40f, -1e-40f, 0, 0, 5, 4, 4.5f, -1};
        long[] shape = {v.length / 4, 4};
        try (Layer l = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Activation\",\"config\":{\"activation\":"
                + "\"sparsemax\"}}")); Tensor in = Tensor.of(v, shape); Tensor out = l.call(in)) {
            float[] want = ReferenceActivation.apply("sparsemax", new RefArray(new int[] {v.length / 4, 4}, v)).data();
            float[] got = out.toFloatArray();
            for (int k = 0; k < v.length; k++) {
                assertTrue(same(want[k], got[k]), k + ": " + got[k] + ", Keras " + want[k]);
            }
            // a vector of finite values keeps them finite and at least 0
            for (int k = 32; k < 36; k++) assertTrue(got[k] >= 0 && Float.isFinite(got[k]), Arrays.toString(got));
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"softmax", "log_softmax"})
    void softmaxVectorsWithNaNOrInfinityAreNaNAsInKeras(String activation) throws Exception {
        float n = Float.NaN;
        float i = Float.POSITIVE_INFINITY;
        float[][] vectors = {{n, 1, 2}, {i, 1, 2}, {-i, 1, 2}, {i, i, 1}, {-i, -i, -i}, {3e38f, -3e38f, 0}, {i, -i, 0}, {1, 2, 3}};
        for (String format : new String[] {"channels_last", "channels_first"}) {
            // channels_last: the vector is the channel axis; channels_first: Keras' last axis, W
            boolean cf = format.equals("channels_first");
            long[] shape = {1, 1, 1, 3};
            for (float[] v : vectors) {
                Layer l = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Conv2D\",\"config\":{\"filters\":"
                        + (cf ? 1 : 3) + ",\"kernel_size\":1,\"use_bias\":false,\"activation\":\"" + activation + "\","
                        + "\"data_format\":\"" + format + "\"}}"));
                try (l) {
                    l.build(shape);
                    float[] k = new float[cf ? 1 : 9];
                    if (cf) k[0] = 1; else for (int c = 0; c < 3; c++) k[c * 3 + c] = 1; // identity
                    l.setWeights(List.of(new Weight("kernel", l.getWeights().get(0).shape(), k)));
                    // identity weights hold zeros: a NaN or Inf input spreads to every channel as in Keras,
                    // so channels_last vectors with one are NaN throughout either way
                    float[] want = ReferenceActivation.apply(activation, cf
                            ? new RefArray(new int[] {1, 3}, v)
                            : new RefArray(new int[] {1, 3}, keep(v))).data();
                    try (Tensor in = Tensor.of(v, shape); Tensor out = l.call(in)) {
                        float[] got = out.toFloatArray();
                        for (int j = 0; j < 3; j++) {
                            // log-softmax's finite values carry the log of the sum's rounding: 1e-5 as the golden cases
                            boolean close = same(want[j], got[j]) || activation.equals("log_softmax")
                                    && Float.isFinite(want[j]) && Math.abs(got[j] - want[j]) <= 1e-5;
                            assertTrue(close, format + " " + Arrays.toString(v) + ": got "
                                    + Arrays.toString(got) + ", Keras " + Arrays.toString(want));
                        }
                    }
                }
            }
        }
    }

    /** What an identity 1x1 convolution makes of a channel vector: 0 x NaN and 0 x Inf are NaN. */
    private static float[] keep(float[] v) {
        for (float f : v) {
            if (!Float.isFinite(f)) {
                float[] nan = new float[v.length];
                Arrays.fill(nan, Float.NaN);
                return nan;
            }
        }
        return v;
    }

    @Test
    void fusedModeSkipsTheScanAndKerasModeIsOneSwitchAway() throws Exception {
        assertEquals(ExtremeValues.KERAS, ExtremeValues.mode(), "set for this class");
        long[] shape = {1, VALUES.length, 1, 16};
        try (Layer l = passThrough("relu", shape); Tensor in = Tensor.of(input(), shape)) {
            ExtremeValues.setMode(ExtremeValues.FUSED);
            try (Tensor out = l.call(in)) {
                assertEquals(0f, out.get(0), "oneDNN's relu(NaN)");
            } finally {
                ExtremeValues.setMode(ExtremeValues.KERAS);
            }
            try (Tensor out = l.call(in)) {
                assertTrue(Float.isNaN(out.get(0)), "Keras' relu(NaN)");
            }
        }
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ExtremeValues.parse("fast"));
        assertTrue(e.getMessage().contains("kdnn.extremes") && e.getMessage().contains("'fast'"), e.getMessage());
    }

    /**
     * Inside a model stages keep tensors channels-last and fold a ZeroPadding into the next
     * convolution: the restored values must land in that layout too (softmax then runs along W,
     * C elements apart). The model must agree with its layers called one by one.
     */
    @Test
    void aChannelsFirstModelGivesWhatItsLayersGiveAlone() throws Exception {
        float[] x = gaussian(2 * 6 * 5, 5);
        // reaches output rows 3-5, columns 0-1 only: softmax along W must make those rows NaN whole
        x[4 * 5] = Float.NaN;                // channel 0, row 4, column 0
        x[30 + 3] = Float.POSITIVE_INFINITY; // channel 1, row 0: output rows 0 and 1
        int stages = modelAgreesWithItsLayers(new long[] {1, 2, 6, 5}, x,
            "{\"class_name\":\"ZeroPadding2D\",\"config\":{\"padding\":1,\"data_format\":\"channels_first\"}}",
            "{\"class_name\":\"Conv2D\",\"config\":{\"filters\":4,\"kernel_size\":3,\"activation\":\"relu\",\"data_format\":\"channels_first\"}}",
            "{\"class_name\":\"Conv2D\",\"config\":{\"filters\":3,\"kernel_size\":1,\"activation\":\"softmax\",\"data_format\":\"channels_first\"}}",
            // not the last stage: the softmax's output stays channels-last in memory
            "{\"class_name\":\"Cropping2D\",\"config\":{\"cropping\":[[0,1],[1,0]],\"data_format\":\"channels_first\"}}");
        assertEquals(3, stages, "the padding folds into the convolution");
    }

    /** Bilinear upsampling reads a channels_first input and, not being last, writes channels-last. */
    @Test
    void aBilinearUpSamplingInsideAModelRestoresInItsLayouts() throws Exception {
        float[] x = gaussian(3 * 4 * 5, 6);
        x[5 + 2] = Float.POSITIVE_INFINITY;  // channel 0, row 1, column 2
        x[40 + 19] = Float.NaN;              // channel 2, row 3, column 4
        modelAgreesWithItsLayers(new long[] {1, 3, 4, 5}, x,
            "{\"class_name\":\"UpSampling2D\",\"config\":{\"size\":[2,3],\"interpolation\":\"bilinear\",\"data_format\":\"channels_first\"}}",
            "{\"class_name\":\"Cropping2D\",\"config\":{\"cropping\":[[1,0],[0,2]],\"data_format\":\"channels_first\"}}");
    }

    /**
     * A model passes bounds from stage to stage and skips the scan where they prove it needless.
     * Here the first stage's exponential overflows to Inf from finite inputs: its bound is then
     * infinite, so the relu stage after it must scan and restore Keras' NaN.
     */
    @Test
    void aBoundThatCannotBeProvedMakesTheNextStageScan() throws Exception {
        float[] x = gaussian(6 * 6 * 2, 8);
        x[2 * 12 + 5] = 100f; // exp(100 + ...) overflows float32
        modelAgreesWithItsLayers(new long[] {1, 6, 6, 2}, x,
            "{\"class_name\":\"Conv2D\",\"config\":{\"filters\":2,\"kernel_size\":1,\"use_bias\":false,"
                + "\"activation\":\"exponential\",\"kernel_initializer\":{\"class_name\":\"Constant\","
                + "\"config\":{\"value\":1}}}}",
            "{\"class_name\":\"Conv2D\",\"config\":{\"filters\":3,\"kernel_size\":3,\"activation\":\"relu\"}}");
    }

    private static float[] gaussian(int n, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    /** Runs the layers one by one and as a model; both must agree, with some but not all values NaN. */
    private static int modelAgreesWithItsLayers(long[] shape, float[] x, String... configs) throws Exception {
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        List<Layer> layers = new ArrayList<>();
        try {
            long[] s = shape;
            for (String c : configs) {
                Layer l = Layers.fromConfig(JSON.readTree(c));
                layers.add(l);
                l.build(s);
                List<Weight> ws = new ArrayList<>();
                if (c.contains("_initializer")) {
                    continue; // weights as the config's initializers make them (and no build shape kept)
                }
                for (Weight w : l.getWeights()) ws.add(new Weight(w.name(), w.shape(), kdnn.TestData.random(r, w.values().length)));
                if (!ws.isEmpty()) l.setWeights(ws);
                s = l.computeOutputShape(s);
            }
            float[] alone;
            Tensor t = Tensor.of(x, shape);
            for (Layer l : layers) {
                try (Tensor in = t) {
                    t = l.call(in);
                }
            }
            try (Tensor last = t) {
                alone = last.toFloatArray();
            }
            try (kdnn.model.Sequential m = kdnn.model.Sequential.of("extremes", layers, shape);
                 Tensor in = Tensor.of(x, shape); Tensor out = m.predict(in)) {
                float[] got = out.toFloatArray();
                int special = 0;
                for (int i = 0; i < got.length; i++) {
                    special += Float.isFinite(alone[i]) ? 0 : 1;
                    assertTrue(same(alone[i], got[i]), "value " + i + ": model " + got[i] + ", layers alone " + alone[i]);
                }
                assertTrue(special > 0 && special < got.length, special + " non-finite values of " + got.length);
                return m.stages().size();
            }
        } finally {
            layers.forEach(Layer::close);
        }
    }

    @Test
    void finiteInputsThatOverflowInsideTheConvolutionGiveKerasValues() throws Exception {
        // 1e10 * 1e30 overflows to Inf in float32; Keras' gelu(Inf) is Inf, oneDNN's fused form gives NaN
        Layer l = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Conv1D\",\"config\":{\"filters\":1,"
                + "\"kernel_size\":1,\"use_bias\":false,\"activation\":\"gelu\"}}"));
        long[] shape = {1, 2, 1};
        try (l) {
            l.build(shape);
            l.setWeights(List.of(new Weight("kernel", new int[] {1, 1, 1}, new float[] {1e30f})));
            try (Tensor in = Tensor.of(new float[] {1e10f, -1e10f}, shape); Tensor out = l.call(in)) {
                assertEquals(Float.POSITIVE_INFINITY, out.get(0));
                assertTrue(Float.isNaN(out.get(1)), "gelu(-Inf) = -Inf * 0 = NaN in Keras, got " + out.get(1));
            }
        }
    }
}
