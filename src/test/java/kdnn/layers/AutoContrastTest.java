package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.model.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras 3's AutoContrast against its transform written out per image and channel (float32, in
 * Keras' order of operations): the docstring's example, value ranges other than (0, 255), constant
 * and NaN channels kept, the reduction over axes 1 and 2 whatever the layout, and the file forms.
 */
class AutoContrastTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'AutoContrast','config':{" + config + "}}")
                .replace('\'', '"')));
    }

    /** Keras' transform_images on a (d0, d1, d2, d3) batch, indexed axis by axis. */
    private static float[] expected(float[] x, int[] d, float lo, float hi) {
        boolean convert = !(lo == 0f && hi == 255f);
        float[] y = new float[x.length];
        for (int b = 0; b < d[0]; b++) {
            for (int j = 0; j < d[3]; j++) {
                float min = Float.NaN, max = Float.NaN;
                boolean nan = false, first = true;
                for (int p = 0; p < d[1]; p++) {
                    for (int q = 0; q < d[2]; q++) {
                        float v = x[((b * d[1] + p) * d[2] + q) * d[3] + j];
                        if (convert) v = (v - lo) / (hi - lo) * 255f + 0f;
                        nan |= Float.isNaN(v);
                        if (first) { min = v; max = v; first = false; }
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
                if (nan) { min = Float.NaN; max = Float.NaN; }
                float scale = 255f / (max - min);
                float offset = -min * scale;
                for (int p = 0; p < d[1]; p++) {
                    for (int q = 0; q < d[2]; q++) {
                        int at = ((b * d[1] + p) * d[2] + q) * d[3] + j;
                        float v = x[at];
                        if (convert) v = (v - lo) / (hi - lo) * 255f + 0f;
                        float r = v * scale + offset;
                        if (!Float.isNaN(r)) r = Math.max(0f, Math.min(255f, r));
                        if (convert) r = r / 255f * (hi - lo) + lo;
                        y[at] = Float.isNaN(r) ? x[at] : r;
                    }
                }
            }
        }
        return y;
    }

    @Test
    void stretchesEachImageAndChannelAsKerasDoes() throws Exception {
        // the docstring's example: values 0 and 1 of (0, 255) become 0 and 255
        try (Layer l = layer("'name':'ac'"); Tensor in = Tensor.of(new float[] {0, 1, 1, 0}, 1, 2, 2, 1);
             Tensor out = l.call(in)) {
            assertArrayEquals(new float[] {0, 255, 255, 0}, out.toFloatArray(), 0f);
        }
        Random r = new Random(5);
        float[][] ranges = {{0, 255}, {0, 1}, {-1, 1}, {10, 20}};
        for (float[] range : ranges) {
            for (int trial = 0; trial < 20; trial++) {
                int[] d = {1 + r.nextInt(3), 1 + r.nextInt(5), 1 + r.nextInt(5), 1 + r.nextInt(4)};
                float[] x = new float[d[0] * d[1] * d[2] * d[3]];
                for (int i = 0; i < x.length; i++) {
                    x[i] = range[0] + (range[1] - range[0]) * r.nextFloat() * 0.5f + (range[1] - range[0]) * 0.2f;
                }
                if (trial % 4 == 1) x[r.nextInt(x.length)] = Float.NaN; // that channel of that image kept
                if (trial % 4 == 2) x[r.nextInt(x.length)] = Float.POSITIVE_INFINITY;
                if (trial % 4 == 3) java.util.Arrays.fill(x, 0, d[3], range[0]); // constant where d1 = d2 = 1
                // Keras keeps value_range sorted: a reversed one is the same layer
                String config = trial % 2 == 0 ? "'value_range':[" + range[0] + "," + range[1] + "]"
                        : "'value_range':[" + range[1] + "," + range[0] + "]";
                try (Layer l = layer(config); Tensor in = Tensor.of(x, d); Tensor out = l.call(in)) {
                    float[] want = expected(x, d, range[0], range[1]);
                    float[] got = out.toFloatArray();
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]) == Float.floatToIntBits(-0f)
                                ? Float.floatToIntBits(0f) : Float.floatToIntBits(got[i]), java.util.Arrays.toString(d)
                                + " " + config + " at " + i + ": " + got[i] + " vs " + want[i]);
                    }
                }
            }
        }
        // a constant channel and a NaN channel come back as they were
        float[] x = {5, 7, 5, Float.NaN, 5, 9, 5, 1};
        try (Layer l = layer(""); Tensor in = Tensor.of(x, 1, 2, 2, 2); Tensor out = l.call(in)) {
            float[] y = out.toFloatArray();
            assertArrayEquals(new float[] {5, 5, 5, 5}, new float[] {y[0], y[2], y[4], y[6]}, 0f);
            assertArrayEquals(new float[] {7, Float.NaN, 9, 1}, new float[] {y[1], y[3], y[5], y[7]}, 0f);
        }
    }

    @Test
    void runsInModelsAndKeras3FilesOnly(@TempDir Path dir) throws Exception {
        Layer l = layer("'name':'contrast','value_range':[0,1]");
        var again = Layers.fromConfig(Layers.toConfig(l));
        assertEquals(Layers.toConfig(l), Layers.toConfig(again));
        again.close();
        try (Sequential m = Sequential.of("auto", List.of(l), -1, 4, 3, 3)) {
            float[] x = new float[2 * 36];
            for (int i = 0; i < x.length; i++) x[i] = (i * 7 % 10) / 20f;
            try (Tensor in = Tensor.of(x, 2, 4, 3, 3); Tensor y = m.predict(in)) {
                assertArrayEquals(expected(x, new int[] {2, 4, 3, 3}, 0, 1), y.toFloatArray(), 0f);
                kdnn.io.Models.save(m, dir.resolve("m.keras"));
                try (var back = kdnn.io.Models.load(dir.resolve("m.keras")); Tensor y2 = back.predict(in)) {
                    assertArrayEquals(y.toFloatArray(), y2.toFloatArray(), 0f);
                }
                var h5 = assertThrows(IllegalArgumentException.class, () -> kdnn.io.Models.save(m, dir.resolve("m.h5")));
                assertTrue(h5.getMessage().contains("AutoContrast"), h5.getMessage());
            }
        }
        var bad = assertThrows(IllegalArgumentException.class, () -> layer("'value_range':[0]"));
        assertTrue(bad.getMessage().contains("value_range"), bad.getMessage());
        try (Layer rank = layer("")) {
            var e = assertThrows(IllegalArgumentException.class, () -> rank.build(-1, 4, 4));
            assertTrue(e.getMessage().contains("ndim=4"), e.getMessage());
        }
    }

    /** A batch large enough for the OpenMP team: each image's channels in parts, every value the reference's. */
    @Test
    void aLargeBatchInPartsMatchesTheReference() throws Exception {
        int[] d = {2, 150, 160, 3};
        float[] x = new float[d[0] * d[1] * d[2] * d[3]];
        Random r = new Random(12);
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 200 + 20;
        x[7] = Float.NaN; // one NaN channel of the first image stays as it was
        try (Layer l = layer(""); Tensor in = Tensor.of(x, 2, 150, 160, 3); Tensor out = l.call(in)) {
            assertArrayEquals(expected(x, d, 0f, 255f), out.toFloatArray(), 0f);
        }
    }
}
