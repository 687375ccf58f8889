package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.layers.ExtremeValues;
import kdnn.model.Model;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/**
 * Every golden model file and every real Keras-written file, loaded through {@link Models#load},
 * computes what Keras computed for it (expected.json, or Keras' own predict output stored beside
 * the Keras 2.3.1 files), under both extreme-value modes.
 */
class LoadedModelsComputeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> GOLDEN_FILES = List.of("model.json", "model.h5", "model.keras");

    /** Inputs, expected outputs (shape and values in row-major order) and tolerances. */
    record Example(List<long[]> inShapes, List<float[]> ins, List<long[]> outShapes, List<float[]> outs,
                   double atol, double rtol) {
    }

    @TestFactory
    Stream<DynamicNode> goldenModelsInEveryFormat() throws IOException {
        List<Path> folders = new ArrayList<>(folders(TestData.models()));
        folders.addAll(folders(TestData.functionalModels()));
        assertFalse(folders.isEmpty());
        return folders.stream().map(dir -> DynamicContainer.dynamicContainer(dir.getFileName().toString(),
                GOLDEN_FILES.stream().map(file -> inBothModes(file, () -> {
                    try (Model m = Models.load(dir.resolve(file))) {
                        assertComputes(m, expectedJson(dir.resolve("expected.json")), dir.getFileName() + "/" + file);
                    }
                }))));
    }

    @TestFactory
    Stream<DynamicNode> keras231Conv1dFilesComputeWhatKerasPredicted() throws IOException {
        Path dir = TestData.kerasFiles().resolve("keras-2.3.1-conv1d");
        List<String> names;
        try (Stream<Path> s = Files.list(dir)) {
            names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("_model.h5"))
                    .map(n -> n.substring(0, n.length() - "_model.h5".length())).sorted().toList();
        }
        assertEquals(48, names.size());
        return names.stream().map(name -> DynamicContainer.dynamicContainer(name, Stream.of(
                inBothModes("model.h5", () -> {
                    try (Model m = Models.load(dir.resolve(name + "_model.h5"))) {
                        assertComputes(m, storedPrediction(dir.resolve(name + "_inputs_and_outputs.h5"), m), name);
                    }
                }),
                inBothModes("config.json + weights.h5", () -> {
                    try (Model m = Models.load(dir.resolve(name + "_config.json"), dir.resolve(name + "_weights.h5"))) {
                        assertComputes(m, storedPrediction(dir.resolve(name + "_inputs_and_outputs.h5"), m), name);
                    }
                }))));
    }

    @TestFactory
    Stream<DynamicNode> keras3FilesComputeWhatKeras3Computed() throws IOException {
        return folders(TestData.kerasFiles().resolve("keras-3.15.1")).stream().map(dir ->
                DynamicContainer.dynamicContainer(dir.getFileName().toString(), Stream.of("model.keras", "model.h5")
                        .map(file -> inBothModes(file, () -> {
                            try (Model m = Models.load(dir.resolve(file))) {
                                assertComputes(m, expectedJson(dir.resolve("expected.json")), dir.getFileName() + "/" + file);
                            }
                        }))));
    }

    @TestFactory
    Stream<DynamicNode> keras2FilesOfOtherVersionsCompute() throws IOException {
        return folders(TestData.kerasFiles().resolve("keras-2.x")).stream().map(dir ->
                inBothModes(dir.getFileName().toString(), () -> {
                    try (Model m = Models.load(dir.resolve("model.h5"))) {
                        assertComputes(m, expectedJson(dir.resolve("expected.json")), dir.getFileName().toString());
                    }
                }));
    }

    private static List<Path> folders(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted().toList();
        }
    }

    /** The same check under ExtremeValues KERAS and FUSED, the mode restored afterwards. */
    private static DynamicNode inBothModes(String name, Executable check) {
        return DynamicContainer.dynamicContainer(name, Stream.of(ExtremeValues.KERAS, ExtremeValues.FUSED)
                .map(mode -> DynamicTest.dynamicTest(mode.name(), () -> {
                    ExtremeValues before = ExtremeValues.mode();
                    ExtremeValues.setMode(mode);
                    try {
                        check.execute();
                    } finally {
                        ExtremeValues.setMode(before);
                    }
                })));
    }

    static void assertComputes(Model m, Example ex, String what) {
        List<Tensor> in = new ArrayList<>();
        try {
            for (int i = 0; i < ex.ins().size(); i++) in.add(Tensor.of(ex.ins().get(i), ex.inShapes().get(i)));
            List<Tensor> out = m.predict(in);
            try {
                assertEquals(ex.outs().size(), out.size(), what + ": outputs");
                for (int k = 0; k < out.size(); k++) {
                    assertArrayEquals(ex.outShapes().get(k), out.get(k).shape(), what + ": shape of output " + k);
                    float[] got = out.get(k).toFloatArray();
                    float[] want = ex.outs().get(k);
                    for (int i = 0; i < want.length; i++) {
                        double tol = ex.atol() + ex.rtol() * Math.abs(want[i]);
                        if (!(Math.abs(got[i] - want[i]) <= tol)) {
                            throw new AssertionError(what + ": output " + k + " value " + i + " is " + got[i]
                                    + ", Keras computed " + want[i] + " (tolerance " + tol + ")");
                        }
                    }
                }
            } finally {
                out.forEach(Tensor::close);
            }
        } finally {
            in.forEach(Tensor::close);
        }
    }

    /** expected.json: "input"/"output" or "inputs"/"outputs" lists, each {"shape", "data"}; atol, rtol. */
    static Example expectedJson(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        List<long[]> inShapes = new ArrayList<>();
        List<float[]> ins = new ArrayList<>();
        List<long[]> outShapes = new ArrayList<>();
        List<float[]> outs = new ArrayList<>();
        for (JsonNode t : root.has("inputs") ? root.get("inputs") : List.of(root.get("input"))) {
            inShapes.add(shape(t.get("shape")));
            ins.add(floats(t.get("data")));
        }
        for (JsonNode t : root.has("outputs") ? root.get("outputs") : List.of(root.get("output"))) {
            outShapes.add(shape(t.get("shape")));
            outs.add(floats(t.get("data")));
        }
        return new Example(inShapes, ins, outShapes, outs, root.get("atol").asDouble(), root.get("rtol").asDouble());
    }

    private static long[] shape(JsonNode s) {
        long[] out = new long[s.size()];
        for (int i = 0; i < out.length; i++) out[i] = s.get(i).asLong();
        return out;
    }

    private static float[] floats(JsonNode d) {
        float[] out = new float[d.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) d.get(i).asDouble();
        return out;
    }

    /** The Keras 2.3.1 generator's file, read as {@code kdnn run} reads it. */
    static Example storedPrediction(Path file, Model m) {
        kdnn.cli.StoredPrediction.Arrays a = kdnn.cli.StoredPrediction.read(file, m.inputNames(), m.outputNames());
        return new Example(a.inputShapes(), a.inputs(), a.outputShapes(), a.outputs(), kdnn.cli.StoredPrediction.ATOL,
                kdnn.cli.StoredPrediction.RTOL);
    }
}
