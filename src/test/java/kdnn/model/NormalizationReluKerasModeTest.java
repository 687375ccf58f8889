package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.ExtremeValues;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.layers.Weight;
import kdnn.runtime.ExecutionTrace;
import kdnn.runtime.MagnitudeScan;
import org.junit.jupiter.api.Test;

/**
 * DenseNet's pre-activation {@code relu(BatchNormalization(x))} runs as one normalization with
 * oneDNN's fused ReLU in the KERAS mode too: where a NaN meets the ReLU (a NaN input, an infinite
 * input times a zero gamma, a negative variance) the result is Keras' NaN, not the fused ReLU's
 * 0; everywhere else it is bitwise the unfused plan's. The bound a scan finds stays with the value
 * it read, so a second reader of that value does not scan again.
 */
class NormalizationReluKerasModeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long[] SHAPE = {2, 4, 4, 8};
    private static final int PIXEL = 8; // the values of one pixel

    private static Layer layer(String json) throws Exception {
        return Layers.fromConfig(JSON.readTree(json));
    }

    /** A BatchNormalization over 8 channels with statistics drawn from {@code seed}; channel 0 gets {@code gamma0}, {@code variance0}. */
    private static Layer normalization(String name, int seed, float gamma0, float variance0) throws Exception {
        Layer bn = layer("{\"class_name\":\"BatchNormalization\",\"config\":{\"name\":\"" + name + "\"}}");
        bn.build(SHAPE);
        List<Weight> ws = new ArrayList<>();
        java.util.Random r = new java.util.Random(seed);
        for (Weight w : bn.getWeights()) {
            float[] v = new float[w.values().length];
            for (int c = 0; c < v.length; c++) {
                v[c] = switch (w.name()) {
                    case "gamma" -> c == 0 ? gamma0 : 0.5f + r.nextFloat();
                    case "moving_variance" -> c == 0 ? variance0 : 0.25f + r.nextFloat();
                    default -> r.nextFloat() - 0.5f;
                };
            }
            ws.add(new Weight(w.name(), w.shape(), v));
        }
        bn.setWeights(ws);
        return bn;
    }

    /** head(relu(bn(x))): the head (the channels' mean) keeps the ReLU off the model's output. */
    private static Functional model(float gamma0, float variance0) throws Exception {
        KerasTensor x = KerasTensor.input("x", -1, 4, 4, 8);
        KerasTensor y = layer("{\"class_name\":\"Activation\",\"config\":{\"name\":\"relu\",\"activation\":\"relu\"}}")
                .apply(normalization("bn", 1, gamma0, variance0).apply(x));
        return Functional.of("pre_activation", List.of(x), List.of(ConvFixtures.conv1x1("head", 8, "linear", SHAPE,
                i -> 1f / 8).apply(y)));
    }

    private static float[] predict(Model m, float[] x) {
        try (Tensor in = Tensor.of(x, SHAPE); Tensor out = m.predict(in)) {
            return out.toFloatArray();
        }
    }

    private static float[] input() {
        float[] x = new float[(int) (SHAPE[0] * SHAPE[1] * SHAPE[2] * SHAPE[3])];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i) * 3;
        return x;
    }

    /** The fused KERAS-mode plan gives the unfused plan's values, NaN at pixel 0 and nowhere else; the fused mode 0 there. */
    private static void assertKerasAtPixelZero(float gamma0, float variance0, float[] x, boolean onlyPixelZero) throws Exception {
        try (Functional fused = model(gamma0, variance0); Functional unfused = model(gamma0, variance0)) {
            fused.setExtremes(ExtremeValues.KERAS);
            unfused.setExtremes(ExtremeValues.KERAS);
            unfused.setFusion(false);
            assertTrue(fused.plan(SHAPE).contains("relu fused into the normalization"), fused.plan(SHAPE));
            assertFalse(unfused.plan(SHAPE).contains("relu fused into the normalization"), unfused.plan(SHAPE));
            float[] got = predict(fused, x);
            for (int c = 0; c < 8; c++) assertTrue(Float.isNaN(got[c]), "pixel 0 channel " + c + ": " + got[c]);
            if (onlyPixelZero) {
                for (int i = PIXEL; i < got.length; i++) assertFalse(Float.isNaN(got[i]), "value " + i);
            }
            assertArrayEquals(predict(unfused, x), got, "the unfused plan's values (NaN where it has NaN)");
            fused.setExtremes(ExtremeValues.FUSED);
            assertFalse(Float.isNaN(predict(fused, x)[0]), "the fused form gives relu(NaN) = 0");
        }
    }

    @Test
    void aNaNInputStaysNaNThroughTheNormalizationsFusedReLU() throws Exception {
        float[] x = input();
        x[3] = Float.NaN;
        assertKerasAtPixelZero(1f, 1f, x, true);
    }

    @Test
    void anInfiniteInputTimesAZeroGammaIsNaN() throws Exception {
        float[] x = input();
        x[0] = Float.POSITIVE_INFINITY; // channel 0 of pixel 0, whose gamma is 0: (Inf - mean) * 0
        assertKerasAtPixelZero(0f, 1f, x, true);
    }

    @Test
    void aNegativeVarianceMakesItsChannelNaNEverywhere() throws Exception {
        // sqrt(-1 + epsilon) is NaN: the layer has no bound, and every pixel's channel 0 is NaN
        assertKerasAtPixelZero(1f, -1f, input(), false);
    }

    @Test
    void finiteValuesAreTheUnfusedPlansBitwiseAndTheModesAgree() throws Exception {
        float[] x = input();
        try (Functional fused = model(1f, 1f); Functional unfused = model(1f, 1f)) {
            fused.setExtremes(ExtremeValues.KERAS);
            unfused.setExtremes(ExtremeValues.KERAS);
            unfused.setFusion(false);
            float[] got = predict(fused, x);
            assertArrayEquals(predict(unfused, x), got);
            fused.setExtremes(ExtremeValues.FUSED);
            assertArrayEquals(got, predict(fused, x), "both modes, on finite values");
        }
    }

    /**
     * Two normalizations with fused ReLUs read the input, which no bound covers: the first scans it;
     * the second uses the bound the first found. A later call starts unknowing again: a NaN then
     * is still found.
     */
    @Test
    void aScannedBoundServesTheValuesLaterReaders() throws Exception {
        KerasTensor x = KerasTensor.input("x", -1, 4, 4, 8);
        String relu = "{\"class_name\":\"Activation\",\"config\":{\"name\":\"%s\",\"activation\":\"relu\"}}";
        KerasTensor a = layer(relu.formatted("relu_a")).apply(normalization("bn_a", 2, 1f, 1f).apply(x));
        KerasTensor b = layer(relu.formatted("relu_b")).apply(normalization("bn_b", 3, 1f, 1f).apply(x));
        KerasTensor sum = layer("{\"class_name\":\"Add\",\"config\":{\"name\":\"add\"}}").apply(a, b);
        try (Functional m = Functional.of("two_readers", List.of(x), List.of(sum))) {
            m.setExtremes(ExtremeValues.KERAS);
            String plan = m.plan(SHAPE);
            assertTrue(plan.contains("relu_a fused into the normalization") && plan.contains("relu_b fused into the normalization"), plan);
            float[] clean = input();
            List<ExecutionTrace.Step> steps = ExecutionTrace.record(() -> predict(m, clean));
            long scans = steps.stream().filter(s -> s.kind().startsWith(MagnitudeScan.TRACE_STEP)).count();
            assertEquals(1, scans, steps.toString());
            float[] poisoned = input();
            poisoned[PIXEL + 5] = Float.NaN;
            float[] got = predict(m, poisoned);
            for (int i = 0; i < got.length; i++) {
                assertEquals(i == PIXEL + 5, Float.isNaN(got[i]), "value " + i + ": " + got[i]);
            }
        }
    }
}
