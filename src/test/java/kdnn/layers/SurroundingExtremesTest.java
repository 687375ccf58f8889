package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceActivation;
import kdnn.reference.ReferenceSurrounding;
import org.junit.jupiter.api.Test;

/**
 * NaN, infinities and huge values through the layers around convolutions: the oneDNN form is
 * trusted without a guard exactly where it gives Keras' values by itself; Softmax's groups and
 * PReLU's weights; Flatten on a tensor a model keeps channels-last.
 */
class SurroundingExtremesTest {
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
        -3e38f, 3e38f, 1e-40f, -1e-40f, 7f, -0.5f, 0.5f, 2e30f, -2e30f, 1f};

    private static Layer layer(String cls, String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'" + cls + "','config':{" + config + "}}").replace('\'', '"')));
    }

    private static float[] raw(Layer l, float[] x) {
        long[] shape = {1, x.length};
        try (kdnn.runtime.Pipeline p = l.pipeline(shape, Variant.PLAIN); Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocateFrom(ValueLayout.JAVA_FLOAT, x);
            MemorySegment out = arena.allocate((long) x.length * Float.BYTES, 64);
            p.execute(in, out);
            return out.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    private record Example(String cls, String config, RefArray keras) {
    }

    @Test
    void guardsStandExactlyWhereOneDnnDepartsFromKeras() throws Exception {
        RefArray x = new RefArray(new int[] {1, VALUES.length}, VALUES);
        List<Example> examples = List.of(
                new Example("ReLU", "", ReferenceSurrounding.relu(x, null, 0, 0)),
                new Example("ReLU", "'max_value':6", ReferenceSurrounding.relu(x, 6.0, 0, 0)),
                new Example("ReLU", "'negative_slope':0.25", ReferenceSurrounding.relu(x, null, 0.25, 0)),
                new Example("ReLU", "'max_value':3,'negative_slope':0.25", ReferenceSurrounding.relu(x, 3.0, 0.25, 0)),
                new Example("ReLU", "'threshold':0.5", ReferenceSurrounding.relu(x, null, 0, 0.5)),
                new Example("ReLU", "'max_value':3,'negative_slope':0.25,'threshold':0.5",
                        ReferenceSurrounding.relu(x, 3.0, 0.25, 0.5)),
                new Example("LeakyReLU", "'alpha':0", ReferenceSurrounding.relu(x, null, 0, 0)),
                new Example("LeakyReLU", "'alpha':0.3", ReferenceSurrounding.relu(x, null, 0.3, 0)),
                new Example("LeakyReLU", "'alpha':-1.5", ReferenceSurrounding.relu(x, null, -1.5, 0)),
                new Example("ELU", "'alpha':1", ReferenceSurrounding.elu(x, 1)),
                new Example("ELU", "'alpha':0.5", ReferenceSurrounding.elu(x, 0.5)),
                new Example("ThresholdedReLU", "'theta':0.5", ReferenceSurrounding.thresholdedRelu(x, 0.5)),
                new Example("ThresholdedReLU", "'theta':0", ReferenceSurrounding.thresholdedRelu(x, 0)),
                new Example("Dropout", "'rate':0.5", x),
                new Example("Activation", "'activation':'leaky_relu'", ReferenceActivation.apply("leaky_relu", x)),
                new Example("Activation", "'activation':'relu'", ReferenceActivation.apply("relu", x)),
                new Example("Activation", "'activation':'selu'", ReferenceActivation.apply("selu", x)));
        for (Example e : examples) {
            try (Layer l = layer(e.cls, e.config); Tensor in = Tensor.of(VALUES, 1, VALUES.length);
                 Tensor out = l.call(in)) {
                String what = e.cls + "(" + e.config + ")";
                assertEquals("", SurroundingVsReferenceTest.differences(e.keras.data(), out.toFloatArray()), what);
                boolean trusted = ((ElementwiseLayer) l).atExtremes() == null;
                String rawDiff = SurroundingVsReferenceTest.differences(e.keras.data(), raw(l, VALUES));
                if (trusted) assertEquals("", rawDiff, what + " is trusted without a guard");
                else assertFalse(rawDiff.isEmpty(), what + " now keeps extremes by itself: drop its guard");
            }
        }
    }

    @Test
    void softmaxGroupsWithInfinitiesAreKeras() throws Exception {
        float inf = Float.POSITIVE_INFINITY;
        float[] x = {inf, 1, 2, 3, -inf, -inf, -inf, -inf, Float.NaN, 0, 1, 2};
        // (1, 3, 4): one axis is tf.nn.softmax (a group with +Inf, NaN or only -Inf is NaN throughout);
        // several axes are exp(x - logsumexp), where +Inf gives NaN at +Inf and 0 beside it
        float n = Float.NaN;
        float[] byRow = {n, n, n, n, n, n, n, n, n, n, n, n};
        try (Layer l = layer("Softmax", "'axis':-1"); Tensor in = Tensor.of(x, 1, 3, 4); Tensor out = l.call(in)) {
            assertArrayEquals(byRow, out.toFloatArray());
        }
        float[] y = {inf, 1, 2, 3, -inf, -inf, -inf, -inf, 5, 0, 1, 2};
        try (Layer l = layer("Softmax", "'axis':[1,2]"); Tensor in = Tensor.of(y, 1, 3, 4); Tensor out = l.call(in)) {
            assertArrayEquals(new float[] {n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, out.toFloatArray());
        }
        try (Layer l = layer("Softmax", "'axis':[1]"); Tensor in = Tensor.of(y, 1, 3, 4); Tensor out = l.call(in)) {
            float[] want = ReferenceSurrounding.softmax(new RefArray(new int[] {1, 3, 4}, y), new int[] {1}, false).data();
            assertEquals("", SurroundingVsReferenceTest.differences(want, out.toFloatArray()));
        }
    }

    /**
     * Several axes: Keras' logsumexp is float32, rounded at the max's magnitude, so large values
     * move every output of their group (oneDNN's exact softmax gave 0.5 for each of two 2e30s,
     * Keras 1); in both modes, as these are finite values.
     */
    @Test
    void softmaxOverSeveralAxesRoundsLogSumExpAsKeras() throws Exception {
        float[] x = {2e30f, Float.NEGATIVE_INFINITY, 2e30f, 3, 1e5f, 1e5f, 99_999f, 7, 0.5f, -0.25f, 2, 1};
        // (3, 1, 4) over axes 1 and 2: a group per row; Keras' float32 logsumexp of the second row (7 vanishes)
        float lse1 = (float) Math.log(2 + Math.exp(-1.0)) + 1e5f;
        float[] want = {
            1, 0, 1, 0,
            (float) Math.exp(1e5f - lse1), (float) Math.exp(1e5f - lse1), (float) Math.exp(99_999f - lse1), 0,
        };
        for (ExtremeValues mode : ExtremeValues.values()) {
            try (Layer l = layer("Softmax", "'axis':[1,2]"); Tensor in = Tensor.of(x, 3, 1, 4)) {
                l.setExtremes(mode);
                try (Tensor out = l.call(in)) {
                    float[] got = out.toFloatArray();
                    for (int i = 0; i < 8; i++) {
                        assertEquals(want[i], got[i], Math.ulp(want[i]) * 4, mode + " value " + i);
                    }
                    // small values: oneDNN's softmax, within float32's noise of the exact one
                    double sum = Math.exp(0.5) + Math.exp(-0.25) + Math.exp(2) + Math.exp(1);
                    assertEquals(Math.exp(2) / sum, got[10], 1e-7, mode + " value 10");
                }
            }
        }
    }

    @Test
    void preluWithNonFiniteAlphaIsKeras() throws Exception {
        float[] x = {1, -1, 2, -2, Float.NaN, Float.NEGATIVE_INFINITY};
        float[] alpha = {Float.NaN, Float.POSITIVE_INFINITY, 0};
        try (Layer l = layer("PReLU", "'shared_axes':[1]"); Tensor in = Tensor.of(x, 1, 2, 3)) {
            l.build(1, 2, 3);
            l.setWeights(List.of(new Weight("alpha", new int[] {1, 3}, alpha)));
            try (Tensor out = l.call(in)) {
                float[] want = ReferenceSurrounding.prelu(new RefArray(new int[] {1, 2, 3}, x),
                        new RefArray(new int[] {1, 3}, alpha)).data();
                // relu(1) - NaN * 0 is NaN, relu(-1)... -Inf * 1 is -Inf, 0 * relu(Inf) is NaN
                assertEquals("", SurroundingVsReferenceTest.differences(want, out.toFloatArray()));
                assertEquals(Float.NaN, out.toFloatArray()[0]);
            }
        }
    }

    @Test
    void flattenOfAChannelsFirstTensorStoredChannelsLastIsACopy() throws Exception {
        float[] nchw = new float[2 * 3 * 2 * 2];
        for (int i = 0; i < nchw.length; i++) nchw[i] = i;
        RefArray keras = ReferenceSurrounding.flatten(new RefArray(new int[] {2, 3, 2, 2}, nchw), true);
        float[] nhwc = new float[nchw.length];
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < 4; p++) nhwc[b * 12 + p * 3 + c] = nchw[b * 12 + c * 4 + p];
        try (Layer l = layer("Flatten", "'data_format':'channels_first'"); Tensor plain = Tensor.of(nchw, 2, 3, 2, 2);
             Tensor stored = Tensor.of(nhwc, 2, 3, 2, 2); Tensor a = l.call(plain); Tensor b = Tensor.zeros(2, 12)) {
            assertArrayEquals(keras.data(), a.toFloatArray());
            l.runHeld(stored, b, new Variant(null, true, false));
            assertArrayEquals(keras.data(), b.toFloatArray());
        }
    }
}
