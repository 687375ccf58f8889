package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kdnn.layers.Weight;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights files made here with jHDF, for what Keras-written files here do not show: attributes
 * split into numbered chunks, weight order from weight_names, float64 weights, matching by
 * position when layer names differ, and a Keras 3 .weights.h5 beside a config.
 */
class WeightsFileTest {
    @TempDir
    Path dir;

    private static final String CONFIG = """
            {"class_name": "Sequential", "keras_version": "2.12.0", "backend": "tensorflow", "config": {"name": "s", "layers": [
              {"class_name": "Conv1D", "config": {"name": "%s", "filters": 2, "kernel_size": 1, "use_bias": %s,
                                                  "batch_input_shape": [null, 4, 2]}},
              {"class_name": "Dense", "config": {"name": "%s", "units": 1, "use_bias": false}}%s]}}
            """;

    private Path config(String conv, boolean bias, String dense, String extra) throws IOException {
        return Fixtures.json(dir.resolve(conv + bias + dense + extra.length() + ".json"),
                CONFIG.formatted(conv, bias, dense, extra));
    }

    /** layer_names split as layer_names0/1, conv1's datasets created bias first, its kernel float64. */
    private Path weights(String keras, String backend, boolean dangling) {
        return Fixtures.hdf5(dir.resolve("w" + keras + backend + dangling + ".h5"), f -> {
            f.putAttribute("keras_version", keras);
            f.putAttribute("backend", backend);
            f.putAttribute("layer_names0", new String[] {"conv1"});
            f.putAttribute("layer_names1", new String[] {"dense"});
            Map<String, Object> conv = new LinkedHashMap<>();
            if (!dangling) conv.put("bias:0", new float[] {0.5f, -0.5f});
            conv.put("kernel:0", new double[][][] {{{1.0, 2.0}, {3.0, 1e-3}}});
            Fixtures.layer(f, "conv1", new String[] {"kernel:0", "bias:0"}, conv);
            Fixtures.layer(f, "dense", new String[] {"dense/kernel:0"}, Map.of("dense/kernel:0", new float[][] {{7f}, {8f}}));
        });
    }

    @Test
    void weightOrderComesFromWeightNamesChunkedAttributesJoinAndFloat64IsConverted() throws IOException {
        ModelSource s = ModelReader.read(config("conv1", true, "dense", ""), weights("2.12.0", "tensorflow", false));
        assertEquals("keras-json", s.format());
        assertEquals("2.12.0", s.kerasVersion());
        List<Weight> conv = s.weights().get("conv1");
        assertEquals(List.of("kernel", "bias"), conv.stream().map(Weight::name).toList());
        assertArrayEquals(new int[] {1, 2, 2}, conv.get(0).shape());
        assertArrayEquals(new float[] {1f, 2f, 3f, (float) 1e-3}, conv.get(0).values());
        assertArrayEquals(new float[] {0.5f, -0.5f}, conv.get(1).values());
        assertArrayEquals(new float[] {7f, 8f}, s.weights().get("dense").get(0).values());
        assertEquals(1, s.notes().size(), s.notes().toString());
        assertTrue(s.notes().get(0).contains("float64") && s.notes().get(0).contains("conv1"), s.notes().get(0));
    }

    @Test
    void layersNamedOtherwiseAreMatchedByPositionAsKerasDoes() throws IOException {
        ModelSource s = ModelReader.read(config("c", true, "d", ""), weights("2.12.0", "tensorflow", false));
        assertEquals(List.of("c", "d"), List.copyOf(s.weights().keySet()));
        assertArrayEquals(new float[] {7f, 8f}, s.weights().get("d").get(0).values());
    }

    @Test
    void mismatchesAreRefusedNamingTheLayer() throws IOException {
        Path w = weights("2.12.0", "tensorflow", false);
        String extra = ", {\"class_name\": \"Dense\", \"config\": {\"name\": \"more\", \"units\": 1}}";
        assertRefused(() -> ModelReader.read(config("c", true, "d", extra), w), "layer count mismatch", "3 layers with weights");
        assertRefused(() -> ModelReader.read(config("conv1", false, "dense", ""), w),
                "layer \"conv1\" (Conv1D) has 1 weights in Keras [kernel]", "gives it 2");
        assertRefused(() -> ModelReader.read(config("conv1", true, "dense", ""), weights("2.12.0", "tensorflow", true)),
                "layer \"conv1\": weight_names lists \"bias:0\", which is not in the file");
    }

    @Test
    void keras1AndTheanoFilesAreRefused() throws IOException {
        Path c = config("conv1", true, "dense", "");
        assertRefused(() -> ModelReader.read(c, weights("1.2.2", "tensorflow", false)), "Keras 1");
        assertRefused(() -> ModelReader.read(c, weights("2.0.8", "theano", false)), "Theano");
        assertRefused(() -> ModelReader.read(Fixtures.json(dir.resolve("k1.json"), """
                {"class_name": "Sequential", "config": [{"class_name": "Convolution2D",
                 "config": {"name": "c", "nb_filter": 2, "nb_row": 3, "nb_col": 3, "border_mode": "same"}}]}""")),
                "Keras 1");
    }

    @Test
    void aWeightsOnlyFileAloneIsRefusedSayingWhatItNeeds() {
        assertRefused(() -> ModelReader.read(weights("2.12.0", "tensorflow", false)), "weights-only", "read(config, weights)");
    }

    @Test
    void aKeras3WeightsFileFollowsTheLayersClassKeys() throws IOException {
        Path w = Fixtures.hdf5(dir.resolve("model.weights.h5"), f -> {
            WritableGroupShim.vars(f, "layers/conv1d/vars", new float[][][] {{{1f, 2f}, {3f, 4f}}}, new float[] {5f, 6f});
            WritableGroupShim.vars(f, "layers/dense/vars", (Object) new float[][] {{9f}, {10f}});
        });
        ModelSource s = ModelReader.read(config("conv1", true, "dense", ""), w);
        assertEquals("keras3-json", s.format());
        assertEquals(3, s.kerasMajor());
        assertEquals(List.of("kernel", "bias"), s.weights().get("conv1").stream().map(Weight::name).toList());
        assertArrayEquals(new float[] {9f, 10f}, s.weights().get("dense").get(0).values());
        Path wrongKeys = Fixtures.hdf5(dir.resolve("wrong.weights.h5"), f -> {
            WritableGroupShim.vars(f, "layers/conv2d/vars", new float[] {1f});
        });
        assertRefused(() -> ModelReader.read(config("conv1", true, "dense", ""), wrongKeys), "layer \"conv1\" (Conv1D)",
                "layers/conv1d/vars");
    }

    @Test
    void theSameModelMadeAsKeras2H5AndKeras3ZipReadsTheSame() throws IOException {
        ModelSource h5 = ModelReader.read(Fixtures.keras2Model(dir.resolve("m.h5")));
        ModelSource zip = ModelReader.read(Fixtures.keras3Model(dir.resolve("m.weights.h5")));
        assertEquals("keras2-h5", h5.format());
        assertEquals("keras3-zip", zip.format());
        GoldenFormatsTest.assertSameWeights(h5.weights(), zip.weights(), "made here", true);
        assertArrayEquals(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, zip.weights().get("dense").get(0).values());
        assertEquals(h5.modelConfig(), zip.modelConfig());
    }

    static void assertRefused(org.junit.jupiter.api.function.Executable read, String... mustSay) {
        ModelFileException e = assertThrows(ModelFileException.class, read);
        for (String s : mustSay) {
            assertTrue(e.getMessage().contains(s), "message does not say \"" + s + "\": " + e.getMessage());
        }
    }

    /** tf-keras keeps Normalization's sample count as an int64 scalar: read as float32, inference unchanged. */
    @Test
    void normalizationsInt64CountIsReadBesideItsStatistics() throws IOException {
        Path config = Fixtures.json(dir.resolve("norm.json"), """
                {"class_name": "Sequential", "keras_version": "2.12.0", "backend": "tensorflow", "config": {"name": "s",
                 "layers": [{"class_name": "Normalization", "config": {"name": "norm", "axis": [-1], "mean": null,
                             "variance": null, "invert": false, "batch_input_shape": [null, 3]}}]}}
                """);
        Path weights = Fixtures.hdf5(dir.resolve("norm.h5"), f -> {
            f.putAttribute("keras_version", "2.12.0");
            f.putAttribute("backend", "tensorflow");
            f.putAttribute("layer_names", new String[] {"norm"});
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("mean:0", new float[] {1, 8, 5});
            w.put("variance:0", new float[] {1, 1, 4});
            w.put("count:0", 4L);
            Fixtures.layer(f, "norm", new String[] {"mean:0", "variance:0", "count:0"}, w);
        });
        try (kdnn.model.Model m = Models.load(config, weights);
             kdnn.Tensor x = kdnn.Tensor.of(new float[] {0, 7, 4}, 1, 3); kdnn.Tensor y = m.predict(x)) {
            assertArrayEquals(new float[] {-1, -1, -0.5f}, y.toFloatArray());
            assertArrayEquals(new float[] {4}, m.layer("norm").getWeights().get(2).values());
        }
    }

    /** Writes Keras 3's vars groups: datasets 0, 1, ... under a path of groups. */
    static final class WritableGroupShim {
        static void vars(io.jhdf.api.WritableGroup root, String path, Object... datasets) {
            io.jhdf.api.WritableGroup g = root;
            for (String part : path.split("/")) {
                g = g.getChild(part) instanceof io.jhdf.api.WritableGroup w ? w : g.putGroup(part);
            }
            for (int i = 0; i < datasets.length; i++) g.putDataset(Integer.toString(i), datasets[i]);
        }
    }
}
