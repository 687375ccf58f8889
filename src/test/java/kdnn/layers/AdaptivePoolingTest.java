package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.io.Models;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras 3's adaptive pooling on windows worked out by hand (PyTorch's, which Keras' own tests
 * compare against): overlapping windows of varying size, outputs longer than the input, windows
 * that divide (one oneDNN pooling); NaN winning a maximum; Keras' refusals; a model through
 * {@code .keras}, refused by the Keras 2 formats. Random shapes against the reference are in
 * {@link NormPoolDenseVsReferenceTest}.
 */
class AdaptivePoolingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String cls, String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': '" + cls + "', 'config': " + config + "}").replace('\'', '"')));
    }

    private static float[] run(Layer l, float[] x, long... shape) {
        try (Tensor in = Tensor.of(x, shape); Tensor out = l.call(in)) {
            return out.toFloatArray();
        }
    }

    @Test
    void windowsOfVaryingSizeOverlap() throws Exception {
        float[] x = {0, 1, 2, 3, 4, 5, 6, 7};
        // 8 to 3: [0, 3), [2, 6), [5, 8)
        try (Layer avg = layer("AdaptiveAveragePooling1D", "{'output_size': 3}");
             Layer max = layer("AdaptiveMaxPooling1D", "{'output_size': [3]}")) {
            assertArrayEquals(new float[] {1, 3.5f, 6}, run(avg, x, 1, 8, 1));
            assertArrayEquals(new float[] {2, 5, 7}, run(max, x, 1, 8, 1));
        }
        // 5 to 3: [0, 2), [1, 4), [3, 5); two channels, channels_first
        float[] y = {1, 2, 3, 4, 5, 10, 20, 30, 40, 50};
        try (Layer avg = layer("AdaptiveAveragePooling1D", "{'output_size': 3, 'data_format': 'channels_first'}")) {
            assertArrayEquals(new float[] {1.5f, 3, 4.5f, 15, 30, 45}, run(avg, y, 1, 2, 5));
        }
        // 2 to 5 (longer than the input): [0, 1), [0, 1), [0, 2), [1, 2), [1, 2)
        try (Layer avg = layer("AdaptiveAveragePooling1D", "{'output_size': 5}")) {
            assertArrayEquals(new float[] {2, 2, 3, 4, 4}, run(avg, new float[] {2, 4}, 1, 2, 1));
        }
        // 2D, 3x4 to 2x3: rows [0, 2), [1, 3); columns [0, 2), [1, 3), [2, 4)
        float[] image = new float[12];
        for (int i = 0; i < 12; i++) image[i] = i;
        try (Layer max = layer("AdaptiveMaxPooling2D", "{'output_size': [2, 3]}");
             Layer avg = layer("AdaptiveAveragePooling2D", "{'output_size': [2, 3]}")) {
            assertArrayEquals(new float[] {5, 6, 7, 9, 10, 11}, run(max, image, 1, 3, 4, 1));
            assertArrayEquals(new float[] {2.5f, 3.5f, 4.5f, 6.5f, 7.5f, 8.5f}, run(avg, image, 1, 3, 4, 1));
            assertArrayEquals(new long[] {-1, 2, 3, 1}, max.computeOutputShape(new long[] {-1, 30, 17, 1}));
        }
        // 3D that divides (one oneDNN pooling): 2x4x6 to 1x2x3, windows 2x2x2
        float[] volume = new float[48];
        for (int i = 0; i < 48; i++) volume[i] = i;
        try (Layer avg = layer("AdaptiveAveragePooling3D", "{'output_size': [1, 2, 3]}")) {
            float[] got = run(avg, volume, 1, 2, 4, 6, 1);
            // cell (0, 0, 0): d 0..1, h 0..1, w 0..1: mean of 0, 1, 6, 7, 24, 25, 30, 31
            assertEquals(15.5f, got[0]);
            assertEquals(15.5f + 2 * 6 + 2 * 2, got[5]);
        }
    }

    @Test
    void nanWinsTheMaximumInKerasModeWhetherTheWindowsDivideOrNot() throws Exception {
        float nan = Float.NaN;
        // 6 to 2 divides (oneDNN's pooling, then Keras' values restored), 6 to 4 does not (Java)
        for (String out : new String[] {"2", "4"}) {
            try (Layer max = layer("AdaptiveMaxPooling1D", "{'output_size': " + out + "}")) {
                max.setExtremes(ExtremeValues.KERAS);
                float[] got = run(max, new float[] {1, nan, 9, 4, 5, 6}, 1, 6, 1);
                assertTrue(Float.isNaN(got[0]), out + ": " + java.util.Arrays.toString(got));
                assertEquals(6f, got[got.length - 1], out);
            }
        }
        try (Layer avg = layer("AdaptiveAveragePooling1D", "{'output_size': 4}")) {
            float[] got = run(avg, new float[] {1, nan, 9, 4, 5, Float.POSITIVE_INFINITY}, 1, 6, 1);
            // 6 to 4: [0, 2), [1, 3), [3, 5), [4, 6)
            assertTrue(Float.isNaN(got[0]) && Float.isNaN(got[1]));
            assertEquals(4.5f, got[2]);
            assertEquals(Float.POSITIVE_INFINITY, got[3]);
        }
    }

    @Test
    void kerasRefusals() {
        String[][] cases = {
            {"AdaptiveAveragePooling1D", "{'output_size': [2, 2]}", "`output_size` must be an integer or tuple of 1 integer"},
            {"AdaptiveMaxPooling2D", "{'output_size': [2, 2, 2]}", "tuple of 2 integers. Received: output_size=[2,2,2]"},
            {"AdaptiveMaxPooling3D", "{'output_size': 'big'}", "tuple of 3 integers"},
            {"AdaptiveAveragePooling2D", "{'output_size': 2, 'data_format': 'CHANNELS_LAST'}",
                "Invalid data_format: CHANNELS_LAST. Expected 'channels_first' or 'channels_last'."},
            {"AdaptiveAveragePooling2D", "{'output_size': [2, 0]}", "`output_size` must be positive. Received: output_size=(2, 0)"},
            {"AdaptiveAveragePooling2D", "{}", "output_size"},
            {"AdaptiveMaxPooling1D", "{'output_size': 2, 'pool_size': 2}", "pool_size"},
        };
        for (String[] c : cases) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0], c[1]).close(), c[1]);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
        try (Layer l = AdaptiveMaxPooling2D.builder().outputSize(3).build()) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(new long[] {1, 4, 4}));
            assertTrue(e.getMessage().contains("expected ndim=4, found ndim=3"), e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> AdaptiveMaxPooling3D.builder().outputSize(1, 2));
        assertTrue(e.getMessage().contains("tuple of 3 integers"), e.getMessage());
    }

    @Test
    void aModelThroughDotKerasAndRefusedByKeras2Formats(@TempDir Path dir) throws Exception {
        String config = "{'class_name': 'Sequential', 'config': {'name': 'm', 'layers': ["
                + "{'class_name': 'InputLayer', 'config': {'batch_input_shape': [null, 3, 11, 9], 'name': 'x'}},"
                + "{'class_name': 'Conv2D', 'config': {'name': 'c', 'filters': 4, 'kernel_size': 3, 'padding': 'same',"
                + " 'data_format': 'channels_first', 'activation': 'relu'}},"
                + "{'class_name': 'AdaptiveMaxPooling2D', 'config': {'name': 'p', 'output_size': [4, 3],"
                + " 'data_format': 'channels_first'}},"
                + "{'class_name': 'AdaptiveAveragePooling2D', 'config': {'name': 'q', 'output_size': 2,"
                + " 'data_format': 'channels_first'}},"
                + "{'class_name': 'Flatten', 'config': {'name': 'f'}},"
                + "{'class_name': 'Dense', 'config': {'name': 'd', 'units': 3}}]}}";
        float[] x = new float[2 * 3 * 11 * 9];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.37);
        // the layers' own initial weights (Keras' initializers)
        try (Model m = kdnn.model.ModelConfigs.build(JSON.readTree(config.replace('\'', '"')),
                (path, l, expected) -> l.getWeights(), KerasVersion.KERAS_3); Tensor in = Tensor.of(x, 2, 3, 11, 9)) {
            try (Tensor y = m.predict(in)) {
                assertArrayEquals(new long[] {2, 3}, y.shape());
                // the same layers called one by one
                Tensor t = Tensor.of(x, 2, 3, 11, 9);
                for (Layer l : m.layers()) {
                    Tensor next = l.call(t);
                    t.close();
                    t = next;
                }
                try (Tensor want = t) {
                    assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 1e-5f);
                }
            }
            Models.save(m, dir.resolve("m.keras"));
            try (Model back = Models.load(dir.resolve("m.keras")); Tensor a = m.predict(in); Tensor b = back.predict(in)) {
                assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 0f);
            }
            for (String file2 : List.of("m.h5", "tfjs")) {
                var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve(file2)));
                assertTrue(e.getMessage().contains("is Keras 3's class AdaptiveMaxPooling2D"), e.getMessage());
                assertFalse(Files.exists(dir.resolve(file2)), "nothing written");
            }
        }
    }
}
