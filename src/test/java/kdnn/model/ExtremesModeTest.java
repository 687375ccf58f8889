package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.ExtremeValues;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import org.junit.jupiter.api.Test;

/**
 * Which treatment of NaN applies: the fused one by default (relu(NaN) = 0, as Keras'
 * {@code model.predict} on TensorFlow with oneDNN), the propagating one per process, per model and
 * per layer; a model's or layer's choice stays with it and never leaks to the thread or process.
 */
class ExtremesModeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long[] SHAPE = {1, 4, 4, 8};

    /** A 1x1 Conv2D with relu whose every output is the mean of its pixel's channels. */
    private static Layer meanRelu(String name) throws Exception {
        return ConvFixtures.conv1x1(name, 8, "relu", SHAPE, i -> 1.0 / 8);
    }

    /** Pixel 0 holds a NaN; every other value is 1. */
    private static Tensor input() {
        float[] x = new float[4 * 4 * 8];
        Arrays.fill(x, 1f);
        x[3] = Float.NaN;
        return Tensor.of(x, SHAPE);
    }

    private static float firstOf(Model m) {
        try (Tensor in = input(); Tensor out = m.predict(in)) {
            assertTrue(out.get(8) == 1f || out.get(8) == 2f, "a finite pixel: " + out.get(8));
            return out.get(0);
        }
    }

    @Test
    void fusedIsTheDefaultAndPropagationIsOneSwitchAway() throws Exception {
        assertEquals(ExtremeValues.FUSED, ExtremeValues.processMode(), "no -Dkdnn.extremes in the test JVM");
        try (Sequential m = Sequential.of("m", List.of(meanRelu("c")), SHAPE)) {
            assertEquals(ExtremeValues.FUSED, m.extremes());
            assertEquals(0f, firstOf(m), "relu(NaN) as model.predict on TensorFlow gives it");
            ExtremeValues.setMode(ExtremeValues.KERAS);
            try {
                assertEquals(ExtremeValues.KERAS, m.extremes());
                assertTrue(Float.isNaN(firstOf(m)), "relu(NaN) as Keras' eager call gives it");
            } finally {
                ExtremeValues.setMode(ExtremeValues.FUSED);
            }
            assertEquals(0f, firstOf(m), "back to fused");
        }
    }

    @Test
    void aModelKeepsItsOwnModeWhateverTheProcessOne() throws Exception {
        try (Sequential keras = Sequential.of("keras", List.of(meanRelu("a")), SHAPE);
             Sequential fused = Sequential.of("fused", List.of(meanRelu("b")), SHAPE)) {
            keras.setExtremes(ExtremeValues.KERAS);
            assertTrue(Float.isNaN(firstOf(keras)));
            assertEquals(0f, firstOf(fused), "another model keeps the process' mode");
            assertEquals(ExtremeValues.FUSED, ExtremeValues.mode(), "nothing stays in force on the thread");
            ExtremeValues.setMode(ExtremeValues.KERAS);
            try {
                fused.setExtremes(ExtremeValues.FUSED);
                assertEquals(0f, firstOf(fused));
                assertTrue(Float.isNaN(firstOf(keras)));
                fused.setExtremes(null);
                assertTrue(Float.isNaN(firstOf(fused)), "null follows the process again");
            } finally {
                ExtremeValues.setMode(ExtremeValues.FUSED);
            }
            // predictions into caller outputs and by name honour it too
            try (Tensor in = input(); Tensor out = Tensor.uninitialized(1, 4, 4, 8)) {
                keras.predict(in, out);
                assertTrue(Float.isNaN(out.get(0)));
            }
        }
    }

    @Test
    void aLayerKeepsItsOwnModeForItsOwnCalls() throws Exception {
        try (Layer keras = meanRelu("k"); Layer fused = meanRelu("f"); Tensor in = input()) {
            keras.setExtremes(ExtremeValues.KERAS);
            assertEquals(ExtremeValues.KERAS, keras.extremes());
            try (Tensor a = keras.call(in); Tensor b = fused.call(in)) {
                assertTrue(Float.isNaN(a.get(0)));
                assertEquals(0f, b.get(0));
            }
            assertEquals(ExtremeValues.FUSED, ExtremeValues.mode(), "nothing stays in force on the thread");
        }
    }

    @Test
    void aResidualAddFusesOnlyInFusedMode() throws Exception {
        KerasTensor x = KerasTensor.input("x", -1, 4, 4, 8);
        Layer add = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Add\",\"config\":{\"name\":\"add\"}}"));
        KerasTensor c0 = meanRelu("c0").apply(x);
        // the convolution fused with the Add must not read the other operand (it is overwritten)
        KerasTensor sum = add.apply(meanRelu("c1b").apply(meanRelu("c1").apply(c0)), c0);
        KerasTensor y = meanRelu("c2").apply(sum);
        try (Functional m = Functional.of("residual", List.of(x), List.of(y))) {
            List<String> fused = m.stages();
            m.setExtremes(ExtremeValues.KERAS);
            List<String> keras = m.stages();
            assertTrue(fused.size() < keras.size(), fused + " vs " + keras + "\n" + m.plan());
            assertTrue(Float.isNaN(firstOf(m)), "NaN reaches the output in Keras mode");
            m.setExtremes(null);
            assertEquals(0f, firstOf(m), "relu(NaN) = 0 at the first convolution, then finite sums");
        }
    }

    /** Keras' Maximum and Minimum keep NaN in both modes: TensorFlow computes them with Eigen in predict too. */
    @Test
    void maximumAndMinimumPropagateNaNInEitherMode() throws Exception {
        for (String cls : List.of("Maximum", "Minimum")) {
            for (ExtremeValues mode : new ExtremeValues[] {null, ExtremeValues.KERAS}) {
                // a direct call: the NaN of the broadcast (1, 1, 3) operand reaches both rows
                try (Layer merge = Layers.fromConfig(JSON.readTree("{\"class_name\":\"" + cls + "\",\"config\":{}}"));
                     Tensor a = Tensor.of(new float[] {5, Float.NaN, -5, 1, 2, 3}, 1, 2, 3);
                     Tensor b = Tensor.of(new float[] {Float.NaN, 0, 0}, 1, 1, 3)) {
                    merge.setExtremes(mode);
                    try (Tensor out = merge.call(List.of(a, b))) {
                        float[] got = out.toFloatArray();
                        float other = cls.equals("Maximum") ? 0 : -5;
                        assertTrue(Float.isNaN(got[0]) && Float.isNaN(got[1]) && Float.isNaN(got[3]), cls + " " + mode + " "
                                + Arrays.toString(got));
                        assertEquals(other, got[2], cls + " " + mode);
                        assertEquals(cls.equals("Maximum") ? 2 : 0, got[4], cls + " " + mode);
                    }
                }
                // inside a model: the input's NaN (channel 3 of pixel 0) meets relu(conv), 0 there when fused
                KerasTensor x = KerasTensor.input("x", -1, 4, 4, 8);
                Layer merge = Layers.fromConfig(JSON.readTree("{\"class_name\":\"" + cls + "\",\"config\":{}}"));
                KerasTensor y = merge.apply(meanRelu("c").apply(x), x);
                try (Functional m = Functional.of("m", List.of(x), List.of(y)); Tensor in = input(); Tensor out = m.predict(in)) {
                    m.setExtremes(mode);
                    try (Tensor again = m.predict(in)) {
                        for (Tensor t : List.of(out, again)) {
                            float[] got = t.toFloatArray();
                            assertTrue(Float.isNaN(got[3]), cls + " " + mode + " " + Arrays.toString(Arrays.copyOf(got, 8)));
                            assertEquals(1f, got[8], cls + " " + mode + ": the mean of ones is one");
                        }
                    }
                }
            }
        }
    }
}
