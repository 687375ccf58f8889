package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import kdnn.TestData;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every golden model, loaded from each of its three files and saved in each format, reads back
 * as the same config (ConfigEquivalence's writer differences aside) with bitwise the same
 * weights, and computes Keras' expected output; the written files have the layout Keras' writers
 * give them.
 */
class ModelSaveRoundTripTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SOURCES = List.of("model.json", "model.h5", "model.keras");
    private static final List<String> TARGETS = List.of("saved.keras", "saved.h5", "tfjs/model.json");

    @TempDir
    Path tmp;

    private static List<Path> goldenFolders() throws IOException {
        return TestData.goldenModelFolders();
    }

    @TestFactory
    Stream<DynamicNode> everyFormatPairRoundTrips() throws IOException {
        return goldenFolders().stream().map(dir -> DynamicContainer.dynamicContainer(dir.getFileName().toString(),
                SOURCES.stream().flatMap(source -> TARGETS.stream().map(target ->
                        DynamicTest.dynamicTest(source + " -> " + target, () -> roundTrip(dir, source, target))))));
    }

    private void roundTrip(Path dir, String source, String target) throws IOException {
        Path out = tmp.resolve(dir.getFileName() + "-" + source.replace('.', '_')).resolve(target);
        Files.createDirectories(out.getParent());
        try (Model m = Models.load(dir.resolve(source))) {
            Models.save(m, out);
        }
        ModelSource before = ModelReader.read(dir.resolve(source));
        ModelSource after = ModelReader.read(out);
        assertEquals(List.of(), ConfigEquivalence.differences(before.modelConfig(), after.modelConfig()));
        boolean sameNaming = before.kerasMajor() == after.kerasMajor();
        GoldenFormatsTest.assertSameWeights(before.kerasMajor() == 3 ? after.weights() : before.weights(),
                before.kerasMajor() == 3 ? before.weights() : after.weights(), source + " -> " + target, sameNaming);
        assertEquals(target.endsWith(".keras") ? 3 : 2, after.kerasMajor());
        try (Model again = Models.load(out)) {
            LoadedModelsComputeTest.assertComputes(again, LoadedModelsComputeTest.expectedJson(dir.resolve("expected.json")),
                    dir.getFileName() + ": " + source + " -> " + target);
        }
        // saving what was read back gives the same file content again (the zip's date aside)
        Path twice = out.getParent().resolveSibling("twice").resolve(out.getFileName());
        Files.createDirectories(twice.getParent());
        try (Model again = Models.load(out)) {
            Models.save(again, twice);
        }
        assertEquals(ModelReader.read(out).modelConfig(), ModelReader.read(twice).modelConfig());
    }

    /** toConfig gives the Keras 2 config tf.keras wrote: connectivity, node numbers, input and output layers. */
    @TestFactory
    Stream<DynamicTest> toConfigNumbersNodesAsKeras2() throws IOException {
        return goldenFolders().stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            JsonNode file = ModelReader.read(dir.resolve("model.h5")).modelConfig();
            try (Model m = Models.load(dir.resolve("model.h5"))) {
                JsonNode mine = ModelConfigs.toConfig(m);
                assertEquals(file.get("class_name"), mine.get("class_name"));
                assertConnectivity(file, mine, m.name());
            }
        }));
    }

    private static void assertConnectivity(JsonNode a, JsonNode b, String where) {
        JsonNode ca = a.get("config");
        JsonNode cb = b.get("config");
        assertEquals(ca.get("name"), cb.get("name"), where);
        for (String k : List.of("input_layers", "output_layers")) assertEquals(ca.get(k), cb.get(k), where + " " + k);
        assertEquals(ca.get("layers").size(), cb.get("layers").size(), where + " layers");
        for (int i = 0; i < ca.get("layers").size(); i++) {
            JsonNode la = ca.get("layers").get(i);
            JsonNode lb = cb.get("layers").get(i);
            assertEquals(la.get("class_name"), lb.get("class_name"), where + " layer " + i);
            assertEquals(LayerTree.nameOf(la), LayerTree.nameOf(lb), where + " layer " + i);
            assertEquals(la.get("inbound_nodes"), lb.get("inbound_nodes"), where + " layer " + LayerTree.nameOf(la));
            if (LayerTree.isModel(la)) assertConnectivity(la, lb, where + "/" + LayerTree.nameOf(la));
        }
    }

    /**
     * The .keras written from a golden model.keras has Keras 3.15.1's form: per object the same
     * module, class_name, registered_name, build_config, call records (shapes and keras_history),
     * input/output layers; and the same weights file keys.
     */
    @TestFactory
    Stream<DynamicTest> kerasZipHasKeras3Form() throws IOException {
        return goldenFolders().stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            Path out = tmp.resolve(dir.getFileName() + ".keras");
            try (Model m = Models.load(dir.resolve("model.keras"))) {
                Models.save(m, out);
            }
            Map<String, byte[]> golden = members(dir.resolve("model.keras"));
            Map<String, byte[]> mine = members(out);
            assertEquals(List.copyOf(golden.keySet()), List.copyOf(mine.keySet()));
            assertEquals(JSON.readTree(golden.get("metadata.json")).get("keras_version"),
                    JSON.readTree(mine.get("metadata.json")).get("keras_version"));
            assertKeras3Form(JSON.readTree(golden.get("config.json")), JSON.readTree(mine.get("config.json")), "model");
            try (ZipFile z = new ZipFile(out.toFile())) {
                z.stream().forEach(e -> assertEquals(ZipEntry.STORED, e.getMethod(), e.getName()));
            }
        }));
    }

    private static void assertKeras3Form(JsonNode want, JsonNode got, String where) {
        for (String k : List.of("module", "class_name", "registered_name", "build_config", "compile_config", "name",
                "inbound_nodes")) {
            assertEquals(want.get(k), got.get(k), where + ": " + k);
        }
        JsonNode wc = want.get("config");
        JsonNode gc = got.get("config");
        for (String k : List.of("input_layers", "output_layers", "build_input_shape")) {
            assertEquals(wc.get(k), gc.get(k), where + ": " + k);
        }
        if (wc.has("dtype")) assertEquals(wc.get("dtype").get("config"), gc.get("dtype").get("config"), where + ": dtype");
        if (!wc.has("layers")) return;
        assertEquals(wc.get("layers").size(), gc.get("layers").size(), where + ": layers");
        for (int i = 0; i < wc.get("layers").size(); i++) {
            JsonNode wl = wc.get("layers").get(i);
            JsonNode gl = gc.get("layers").get(i);
            String name = wl.path("config").path("name").asText();
            if (!wl.path("class_name").asText().equals("InputLayer")) {
                assertEquals(fieldNames(wl.get("config")).stream().filter(k -> !k.equals("kernel_initializer")).toList(),
                        fieldNames(gl.get("config")).stream().filter(k -> !k.equals("kernel_initializer")).toList(),
                        where + "/" + name + ": the config's keys");
            }
            assertKeras3Form(wl, gl, where + "/" + name);
        }
    }

    private static List<String> fieldNames(JsonNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        out.sort(null);
        return out;
    }

    private static Map<String, byte[]> members(Path zip) throws IOException {
        Map<String, byte[]> out = new java.util.TreeMap<>();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (ZipEntry e : java.util.Collections.list(z.entries())) out.put(e.getName(), z.getInputStream(e).readAllBytes());
        }
        return out;
    }

    @Test
    void anUnknownExtensionIsRefusedNamingThePath() throws IOException {
        Path dir = goldenFolders().get(0);
        try (Model m = Models.load(dir.resolve("model.h5"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Models.save(m, tmp.resolve("model.onnx")));
            assertTrue(e.getMessage().contains("model.onnx") && e.getMessage().contains(".keras"), e.getMessage());
            m.close();
            assertThrows(IllegalStateException.class, () -> Models.save(m, tmp.resolve("x.h5")));
        }
    }
}
