package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.ExtremeValues;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import org.junit.jupiter.api.Test;

/**
 * {@code relu(Add(conv_a(x), conv_y(x)))} fused into one convolution with a sum post-op in the
 * KERAS mode too: where {@code conv_a(x) + y} is NaN (a NaN input, or +Inf meeting -Inf) the
 * result is Keras' NaN, not the fused ReLU's 0; everywhere else it is bitwise the unfused plan's.
 * The same for InceptionResNetV2's {@code CustomScaleLayer([y, conv_a(x)])} ({@code y + a * scale},
 * the scale a post-op before the sum).
 */
class ResidualKerasModeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long[] SHAPE = {1, 4, 4, 8};

    /** A linear 1x1 Conv2D whose every output is {@code scale} times the sum of its pixel's channels. */
    private static Layer sumConv(String name, float scale) throws Exception {
        return ConvFixtures.conv1x1(name, 8, "linear", SHAPE, i -> scale);
    }

    /**
     * y = conv_y(x), a = conv_a(x), then head(relu(a + y)): one convolution sums into the other's
     * buffer; the head (the channels' mean) keeps the ReLU off the model's output, whose tensor is
     * the caller's.
     */
    private static Functional model(float scaleA, float scaleY, boolean scaled) throws Exception {
        return model(scaleA, scaleY, true, scaled);
    }

    private static Functional model(float scaleA, float scaleY, boolean head, boolean scaled) throws Exception {
        KerasTensor x = KerasTensor.input("x", -1, 4, 4, 8);
        KerasTensor y = sumConv("conv_y", scaleY).apply(x);
        KerasTensor a = sumConv("conv_a", scaleA).apply(x);
        KerasTensor added = scaled
                ? Layers.fromConfig(JSON.readTree("{\"class_name\":\"CustomScaleLayer\",\"config\":{\"name\":\"add\","
                        + "\"scale\":0.375}}")).apply(y, a)
                : Layers.fromConfig(JSON.readTree("{\"class_name\":\"Add\",\"config\":{\"name\":\"add\"}}")).apply(a, y);
        KerasTensor out = Layers.fromConfig(JSON.readTree("{\"class_name\":\"ReLU\",\"config\":{\"name\":\"relu\"}}"))
                .apply(added);
        if (head) out = sumConv("head", 1f / 8).apply(out);
        return Functional.of("residual", List.of(x), List.of(out));
    }

    private static float[] predict(Model m, float[] x) {
        try (Tensor in = Tensor.of(x, SHAPE); Tensor out = m.predict(in)) {
            return out.toFloatArray();
        }
    }

    private static void assertKerasAtPixelZero(float scaleA, float scaleY, float[] x) throws Exception {
        assertKerasAtPixelZero(scaleA, scaleY, x, false);
        assertKerasAtPixelZero(scaleA, scaleY, x, true);
    }

    private static void assertKerasAtPixelZero(float scaleA, float scaleY, float[] x, boolean scaled) throws Exception {
        assertKerasAtPixelZero(() -> model(scaleA, scaleY, scaled), scaled ? "add fused as a scale and a sum into the buffer of"
                : "add fused as a sum into the buffer of", x);
    }

    /** Two models {@code make} builds: fused and unfused plans agree (NaN at pixel 0) in the KERAS mode; the fused mode gives 0. */
    private static void assertKerasAtPixelZero(java.util.concurrent.Callable<Functional> make, String sum, float[] x)
            throws Exception {
        try (Functional fused = make.call(); Functional unfused = make.call()) {
            fused.setExtremes(ExtremeValues.KERAS);
            unfused.setExtremes(ExtremeValues.KERAS);
            unfused.setFusion(false);
            assertTrue(fused.plan(SHAPE).contains(sum), fused.plan(SHAPE));
            assertTrue(fused.plan(SHAPE).contains("relu fused after the sum"), fused.plan(SHAPE));
            float[] got = predict(fused, x);
            float[] want = predict(unfused, x);
            for (int c = 0; c < 8; c++) assertTrue(Float.isNaN(got[c]), "pixel 0 channel " + c + ": " + got[c]);
            assertArrayEquals(want, got, "the unfused plan's values (NaN where it has NaN)");
            fused.setExtremes(ExtremeValues.FUSED);
            assertEquals(0f, predict(fused, x)[0], "the fused form gives relu(NaN) = 0");
        }
    }

    @Test
    void aNaNInputStaysNaNThroughTheFusedSumAndReLU() throws Exception {
        float[] x = new float[4 * 4 * 8];
        for (int i = 0; i < x.length; i++) x[i] = (i % 5) - 2;
        x[3] = Float.NaN;
        assertKerasAtPixelZero(0.5f, -0.25f, x);
    }

    /** A Dense of 8 units whose every output is {@code scale} times the sum of its row's 8 values. */
    private static Layer sumDense(String name, float scale) throws Exception {
        Layer l = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Dense\",\"config\":{\"name\":\"" + name
                + "\",\"units\":8}}"));
        l.build(SHAPE);
        float[] kernel = new float[64];
        java.util.Arrays.fill(kernel, scale);
        l.setWeights(List.of(new kdnn.layers.Weight("kernel", new int[] {8, 8}, kernel),
                new kdnn.layers.Weight("bias", new int[] {8}, new float[8])));
        return l;
    }

    /** The same with Dense layers: one Dense sums its product into the buffer of the other's. */
    @Test
    void aNaNInputStaysNaNThroughADensesFusedSumAndReLU() throws Exception {
        float[] x = new float[4 * 4 * 8];
        for (int i = 0; i < x.length; i++) x[i] = (i % 5) - 2;
        x[3] = Float.NaN;
        assertKerasAtPixelZero(() -> {
            KerasTensor t = KerasTensor.input("x", -1, 4, 4, 8);
            KerasTensor y = sumDense("dense_y", -0.25f).apply(t);
            KerasTensor a = sumDense("dense_a", 0.5f).apply(t);
            KerasTensor added = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Add\",\"config\":{\"name\":\"add\"}}"))
                    .apply(a, y);
            KerasTensor out = Layers.fromConfig(JSON.readTree("{\"class_name\":\"ReLU\",\"config\":{\"name\":\"relu\"}}"))
                    .apply(added);
            return Functional.of("dense_residual", List.of(t), List.of(sumDense("head", 1f / 8).apply(out)));
        }, "add fused as a sum into the buffer of", x);
    }

    @Test
    void infinityMeetingMinusInfinityInTheSumIsNaN() throws Exception {
        float[] x = new float[4 * 4 * 8];
        for (int i = 0; i < x.length; i++) x[i] = (i % 5) - 2;
        for (int c = 0; c < 8; c++) x[c] = 1e30f;
        // pixel 0: conv_a gives +Inf, conv_y -Inf (finite inputs, overflowing sums)
        assertKerasAtPixelZero(1e10f, -1e10f, x);
    }

    @Test
    void finiteValuesAreTheUnfusedPlansBitwise() throws Exception {
        float[] x = new float[4 * 4 * 8];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i) * 3;
        for (boolean scaled : new boolean[] {false, true}) {
            try (Functional fused = model(0.3f, -0.7f, scaled); Functional unfused = model(0.3f, -0.7f, scaled)) {
                fused.setExtremes(ExtremeValues.KERAS);
                unfused.setExtremes(ExtremeValues.KERAS);
                unfused.setFusion(false);
                float[] got = predict(fused, x);
                assertArrayEquals(predict(unfused, x), got);
                float max = Float.NEGATIVE_INFINITY;
                for (float v : got) max = Math.max(max, v);
                assertTrue(max > 0, "some outputs pass the ReLU");
            }
        }
    }

    /** The ReLU after the sum is the model's output: it cannot write into the summed value's buffer. */
    @Test
    void aReLUThatIsTheModelsOutputStaysItsOwnStep() throws Exception {
        float[] x = new float[4 * 4 * 8];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i) * 3;
        for (ExtremeValues mode : ExtremeValues.values()) {
            try (Functional fused = model(0.3f, -0.7f, false, false); Functional unfused = model(0.3f, -0.7f, false, false)) {
                fused.setExtremes(mode);
                unfused.setExtremes(mode);
                unfused.setFusion(false);
                assertTrue(fused.plan(SHAPE).contains("add fused as a sum"), fused.plan(SHAPE));
                assertArrayEquals(predict(unfused, x), predict(fused, x), mode.toString());
            }
        }
    }
}
