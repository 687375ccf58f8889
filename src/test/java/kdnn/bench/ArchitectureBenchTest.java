package kdnn.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import kdnn.layers.Weight;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kdnn bench --models} on a tiny functional model (the full architectures take minutes):
 * every JSON record has one of the shapes issue 14 specifies, kdnn's figures are there and
 * positive, and the seeded weights are the same on every build with valid BatchNormalization
 * statistics. Nothing here checks a speed, or needs DL4J ({@code --no-dl4j}).
 */
class ArchitectureBenchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Conv2D, BatchNormalization, ReLU, a residual Add over two convolutions (as ResNet's blocks),
     * pooling and a softmax Dense, in tf.keras 2.12's form.
     */
    static final String TINY = """
            {"class_name": "Functional", "config": {"name": "tiny", "trainable": true, "layers": [
             {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 8, 8, 3], "dtype": "float32",
              "name": "x"}, "name": "x", "inbound_nodes": []},
             {"class_name": "Conv2D", "config": {"name": "c1", "filters": 4, "kernel_size": [3, 3], "padding": "same",
              "use_bias": false, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}}},
              "name": "c1", "inbound_nodes": [[["x", 0, 0, {}]]]},
             {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": [3], "epsilon": 0.001},
              "name": "bn", "inbound_nodes": [[["c1", 0, 0, {}]]]},
             {"class_name": "ReLU", "config": {"name": "r1"}, "name": "r1", "inbound_nodes": [[["bn", 0, 0, {}]]]},
             {"class_name": "Conv2D", "config": {"name": "c2", "filters": 4, "kernel_size": [3, 3], "padding": "same",
              "kernel_initializer": {"class_name": "HeNormal", "config": {"seed": null}}},
              "name": "c2", "inbound_nodes": [[["r1", 0, 0, {}]]]},
             {"class_name": "Conv2D", "config": {"name": "c3", "filters": 4, "kernel_size": [1, 1],
              "kernel_initializer": {"class_name": "GlorotNormal", "config": {"seed": null}}},
              "name": "c3", "inbound_nodes": [[["c2", 0, 0, {}]]]},
             {"class_name": "Add", "config": {"name": "add"}, "name": "add",
              "inbound_nodes": [[["c3", 0, 0, {}], ["r1", 0, 0, {}]]]},
             {"class_name": "GlobalAveragePooling2D", "config": {"name": "pool"}, "name": "pool",
              "inbound_nodes": [[["add", 0, 0, {}]]]},
             {"class_name": "Dense", "config": {"name": "out", "units": 2, "activation": "softmax",
              "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}}}, "name": "out",
              "inbound_nodes": [[["pool", 0, 0, {}]]]}],
             "input_layers": [["x", 0, 0]], "output_layers": [["out", 0, 0]]},
             "keras_version": "2.12.0", "backend": "tensorflow"}
            """;

    static final Set<String> IMPLS = Set.of("kdnn", "floor", "onnxruntime", "dl4j", "kdnn-bf16");
    static final Set<String> TIMED = Set.of("model", "batch", "impl", "threads", "median_us", "first_call_us");
    static final Set<String> TIMED_ERROR = Set.of("model", "batch", "impl", "threads", "error");
    static final Set<String> LOAD = Set.of("model", "impl", "load_ms", "file_bytes");
    static final Set<String> FRESH = Set.of("model", "impl", "process", "load_ms", "plan_ms", "first_call_us");
    static final Set<String> THROUGHPUT = Set.of("model", "batch", "impl", "request_threads", "predictions_per_s");
    static final Set<String> THROUGHPUT_ERROR = Set.of("model", "batch", "impl", "request_threads", "error");

    /** What {@code kdnn bench ARGS} printed, once it has exited 0. */
    private static String bench(String... args) throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        int status = BenchMain.run(args, new PrintStream(text, true, StandardCharsets.UTF_8));
        String printed = text.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, printed);
        return printed;
    }

    @Test
    void modelsJsonHasTheRecordShapesOfTheIssue(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tiny.json");
        Files.writeString(config, TINY);
        Path json = dir.resolve("out.json");
        String printed = bench("--models", config.toString(), "--quick", "--policies", "--rounds", "1", "--window-ms", "100",
                "--no-dl4j", "--json", json.toString());
        JsonNode records = JSON.readTree(json.toFile());
        assertTrue(records.isArray() && records.size() > 0, records.toString());
        List<Integer> requestThreads = new ArrayList<>();
        int timed = 0, loads = 0, fresh = 0, bf16 = 0;
        for (JsonNode r : records) {
            Set<String> keys = new TreeSet<>();
            r.fieldNames().forEachRemaining(keys::add);
            assertTrue(Set.of(TIMED, TIMED_ERROR, LOAD, FRESH, THROUGHPUT, THROUGHPUT_ERROR).contains(keys), r.toString());
            assertEquals("tiny", r.get("model").asText());
            assertTrue(IMPLS.contains(r.get("impl").asText()), r.toString());
            if (keys.contains("batch")) assertEquals(1, r.get("batch").asInt(), "--quick: batch 1 only");
            if (keys.contains("error")) assertTrue(r.get("error").asText().length() > 10, r.toString());
            if (!r.get("impl").asText().equals("kdnn")) {
                bf16 += r.get("impl").asText().equals("kdnn-bf16") ? 1 : 0;
                continue;
            }
            assertTrue(!keys.contains("error"), "kdnn runs the model: " + r);
            if (keys.equals(TIMED)) {
                timed++;
                assertTrue(r.get("median_us").asDouble() > 0 && r.get("first_call_us").asDouble() > 0, r.toString());
                assertTrue(r.get("threads").asInt() >= 1, r.toString());
            } else if (keys.equals(LOAD)) {
                loads++;
                assertTrue(r.get("load_ms").asDouble() > 0, r.toString());
                assertTrue(r.get("file_bytes").asLong() > TINY.length(), "config and weights: " + r);
            } else if (keys.equals(FRESH)) { // `kdnn run` of the .keras file in a JVM of its own
                fresh++;
                assertEquals("fresh", r.get("process").asText(), r.toString());
                assertTrue(r.get("load_ms").asDouble() > 0 && r.get("plan_ms").asDouble() > 0
                        && r.get("first_call_us").asDouble() > 0, r.toString());
            } else {
                requestThreads.add(r.get("request_threads").asInt());
                assertTrue(r.get("predictions_per_s").asDouble() > 0, r.toString());
            }
        }
        assertEquals(1, timed, records.toString());
        assertEquals(1, loads, records.toString());
        assertEquals(1, fresh, printed);
        assertEquals(1, bf16, records.toString());
        assertEquals(List.of(1, 2, 4, 8), requestThreads);
        // the chart beside the JSON: a PNG image of bars
        Path png = dir.resolve("out.png");
        assertTrue(printed.contains("wrote " + png), printed);
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
        assertTrue(image != null && image.getWidth() == 1100 && image.getHeight() > 240, "chart " + png);
        assertTrue(printed.contains("| tiny | 1 |"), printed);
        if (Runtime.getRuntime().availableProcessors() > 1) { // the settings a server can choose, timed beside the default
            assertTrue(printed.contains("| tiny | 1 | kdnn, split_when_queued |"), printed);
            assertTrue(printed.contains("| tiny | 1 | kdnn, share_cores |"), printed);
            assertTrue(printed.contains("| tiny | 1 | kdnn, kdnn.threads=1 |"), printed);
        }
        // the keras mode: its input scan counted and timed alone, its primitives the default's
        assertTrue(printed.contains("KERAS mode's checks: 1 scan of 0.00 MB"), printed);
        assertTrue(printed.contains("the same oneDNN primitives as fused"), printed);
        assertTrue(printed.contains("share of a prediction (target <= 3%): tiny batch 1 "), printed);
        // ONNX Runtime ran the exported graph (Conv, BatchNormalization, Relu, Add, pooling, Gemm, Softmax) and agreed
        JsonNode ort = null;
        for (JsonNode r : records) {
            if (r.get("impl").asText().equals("onnxruntime") && r.has("median_us")) ort = r;
        }
        assertTrue(ort != null && ort.get("median_us").asDouble() > 0, records.toString());
        assertTrue(printed.contains("output vs kdnn: ok"), printed);
        // --no-dl4j: DL4J (a Maven build and a JVM of its own) is left out, and its record says so
        JsonNode dl4j = null;
        for (JsonNode r : records) {
            if (r.get("impl").asText().equals("dl4j")) dl4j = r;
        }
        assertTrue(dl4j != null && dl4j.path("error").asText().contains("--no-dl4j"), records.toString());
        // the floor: the plan's primitives replayed from C (where gcc builds bench_conv), with kdnn's implementations
        JsonNode floor = null;
        for (JsonNode r : records) {
            if (r.get("impl").asText().equals("floor")) floor = r;
        }
        assertTrue(floor != null, records.toString());
        if (floor.has("error")) {
            assertTrue(floor.get("error").asText().startsWith("bench_conv"), floor.toString());
        } else {
            assertTrue(floor.get("median_us").asDouble() > 0 && floor.get("first_call_us").asDouble() > 0, floor.toString());
            assertTrue(printed.contains("predict / floor = "), printed);
            assertTrue(printed.contains("floor: oneDNN implementations the same as kdnn's for every primitive"), printed);
            assertTrue(printed.contains("tiny-b1.plan"), "the replayed plan is kept: " + printed);
        }
    }

    @Test
    void seededWeightsAreTheSameOnEveryBuildWithValidStatistics() throws Exception {
        JsonNode config = ArchitectureBench.seeded(JSON.readTree(TINY), 14);
        assertEquals(JSON.readTree(TINY).path("config").path("layers").size(), config.path("config").path("layers").size());
        List<Weight> first;
        try (Model a = ModelConfigs.build(config, ArchitectureBench.seededWeights(14))) {
            first = a.getWeights();
        }
        try (Model b = ModelConfigs.build(ArchitectureBench.seeded(JSON.readTree(TINY), 14),
                ArchitectureBench.seededWeights(14))) {
            List<Weight> second = b.getWeights();
            assertEquals(first.size(), second.size());
            for (int i = 0; i < first.size(); i++) {
                assertArrayEquals(first.get(i).values(), second.get(i).values(), first.get(i).name());
            }
        }
        boolean kernelDrawn = false;
        for (Weight w : first) {
            float[] v = w.values();
            if (w.name().contains("moving_variance")) {
                for (float x : v) assertTrue(x >= 0.5f && x <= 1.5f, w.name() + ": " + x);
            }
            if (w.name().contains("moving_mean")) {
                assertTrue(v[0] != 0 || v[1] != 0, "drawn, not the initializer's zeros");
            }
            if (w.name().contains("kernel") && v[0] != v[1]) kernelDrawn = true;
        }
        assertTrue(kernelDrawn);
        try (Model c = ModelConfigs.build(ArchitectureBench.seeded(JSON.readTree(TINY), 15),
                ArchitectureBench.seededWeights(15))) {
            assertTrue(!java.util.Arrays.equals(first.get(0).values(), c.getWeights().get(0).values()),
                    "another seed, other weights");
        }
    }

    @Test
    void scalingTimesKdnnAndOrtAtEachThreadCountWithTheIssuesRecordShape(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tiny.json");
        Files.writeString(config, TINY);
        Path json = dir.resolve("scaling.json");
        String printed = bench("--models", config.toString(), "--scaling", "1,2", "--batches", "1,3", "--quick", "--json",
                json.toString());
        Set<String> seen = new TreeSet<>();
        for (JsonNode r : JSON.readTree(json.toFile())) {
            Set<String> fields = new TreeSet<>();
            r.fieldNames().forEachRemaining(fields::add);
            assertEquals(TIMED, fields, r.toString());
            assertTrue(r.get("median_us").asDouble() > 0 && r.get("first_call_us").asDouble() > 0, r.toString());
            seen.add(r.get("impl").asText() + " b" + r.get("batch").asInt() + " t" + r.get("threads").asInt());
        }
        assertEquals(new TreeSet<>(List.of("kdnn b1 t1", "kdnn b1 t2", "kdnn b3 t1", "kdnn b3 t2", "onnxruntime b1 t1",
                "onnxruntime b1 t2", "onnxruntime b3 t1", "onnxruntime b3 t2")), seen);
        assertTrue(printed.contains("| tiny | 3 | 2 |"), printed);
        assertTrue(!printed.contains("MISMATCH"), "kdnn agrees with ORT and with itself across counts: " + printed);
    }

    @Test
    void scalingRefusesCountsThatAreNotAscendingWholeNumbers() {
        for (String bad : new String[] {"2,1", "0,2", "1,x", ""}) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> ScalingBench.counts(bad));
            assertTrue(e.getMessage().contains("--scaling") && e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }
}
