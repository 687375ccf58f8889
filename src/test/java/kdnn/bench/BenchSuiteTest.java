package kdnn.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import kdnn.layers.BaseConv;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark suite's definitions are consistent: every shape builds in kdnn with the output
 * shape the suite derives, a scaled-down copy of each agrees with the pure-Java reference and
 * with ONNX Runtime running the ONNX model the suite writes, and the C comparator compiles and
 * accepts every shape's geometry. Nothing here times anything.
 */
class BenchSuiteTest {
    private static final List<String> ISSUE_6 = List.of("resnet_3x3_64_56", "resnet_1x1_64_256_56",
            "resnet_3x3_128_28_b32", "vgg_first_3_64_224", "strided_3x3_s2_64_128", "mobilenet_dw_3x3_32_112",
            "unet_transpose_2x2_256", "wavenet_causal_1d_64", "video_3d_3x3x3_32", "tiny_3x3_8_8");

    @Test
    void bf16ResultsAreJudgedAgainstTheLargestFloat32Value() {
        assertEquals("within bf16 (max abs diff 2.0e-02, 2.00% of the largest output)",
                BenchMain.compareBf16(new float[] {0.98f, 0.5f}, new float[] {1f, 0.5f}));
        assertTrue(BenchMain.compareBf16(new float[] {0.9f, 0.5f}, new float[] {1f, 0.5f}).startsWith("MISMATCH"));
        assertTrue(BenchMain.compareBf16(new float[] {1f}, new float[] {1f, 2f}).startsWith("MISMATCH (lengths"));
    }

    @Test
    void helpPrintsTheUsageAndRunsNothing() throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        int status = BenchMain.run(new String[] {"--quick", "--help"},
                new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(0, status);
        assertEquals(BenchMain.USAGE, bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(BenchMain.USAGE.startsWith("usage: kdnn bench [--quick]"), BenchMain.USAGE);
    }

    @Test
    void theKerasModeIsMeasuredBesideTheDefault() throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
        List<BenchShape> tiny = List.of(BenchShape.byName("tiny_3x3_8_8"));
        Map<String, String> checks = new java.util.HashMap<>();
        List<BenchMain.Measurement> m = BenchMain.interleaved(tiny, List.of("kdnn", "kdnn-keras"), 1,
                new Timing.Budget(0, 1, 3), 1, checks, out);
        assertEquals(List.of("kdnn-keras", "kdnn"), m.stream().map(BenchMain.Measurement::impl).toList());
        assertTrue(m.stream().allMatch(x -> x.medianUs() > 0 && x.firstCallUs() > 0), m.toString());
        BenchMain.printTables(out, tiny, m, checks, 1, 1);
        String printed = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(printed.contains("| shape | kdnn us | kdnn keras-mode us | native us | keras-mode / native |"), printed);
        assertTrue(printed.matches("(?s).*\\| tiny_3x3_8_8 \\| [0-9.]+ \\| [0-9.]+ \\| - \\| - \\| [0-9.]+ \\|.*"), printed);
    }

    @Test
    void theSuiteIsIssueSixs() {
        assertEquals(ISSUE_6, BenchShape.SUITE.stream().map(BenchShape::name).toList());
        assertEquals(ISSUE_6.size(), new HashSet<>(ISSUE_6).size());
    }

    @TestFactory
    Stream<DynamicTest> everyShapeBuildsWithTheDerivedOutputShape() {
        return BenchShape.SUITE.stream().map(s -> DynamicTest.dynamicTest(s.name(), () -> {
            try (BaseConv layer = s.newLayer(s.weights(2))) {
                assertArrayEquals(layer.computeOutputShape(s.input()), s.outputShape());
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> scaledDownShapesMatchTheReferenceAndOnnxRuntime() {
        return BenchShape.SUITE.stream().map(full -> DynamicTest.dynamicTest(full.name(), () -> {
            BenchShape s = full.scaledDown();
            BenchShape.Weights w = s.weights(7);
            float[] x = s.inputValues(8);
            float[] kdnn = s.kdnn(x, w);
            float[] ref = s.reference(x, w);
            assertClose(ref, kdnn, s.name() + " kdnn vs reference");
            try (OrtPeer ort = new OrtPeer(s, w, x, 1)) {
                ort.run();
                assertClose(ref, OnnxModels.nchwToNhwc(ort.outputNchw(), s.outputShape()),
                        s.name() + " onnxruntime vs reference");
            }
        }));
    }

    @Test
    void layoutConversionsAreInverse() {
        long[] shape = {2, 3, 4, 5};
        float[] x = new float[120];
        for (int i = 0; i < x.length; i++) x[i] = i;
        float[] nchw = OnnxModels.nhwcToNchw(x, shape);
        assertEquals(x[1], nchw[12]); // NHWC (0,0,0,1) is NCHW (0,1,0,0): 1 * 3*4
        assertArrayEquals(x, OnnxModels.nchwToNhwc(nchw, shape));
    }

    @Test
    void theComparatorCompilesAndAcceptsEveryShape() throws Exception {
        try {
            new ProcessBuilder("gcc", "--version").start().waitFor();
        } catch (java.io.IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no gcc on this machine");
        }
        List<BenchShape> small = BenchShape.SUITE.stream().map(BenchShape::scaledDown).toList();
        Map<String, NativeBench.Result> r = NativeBench.run(small, 1, new Timing.Budget(0, 0, 1));
        assertEquals(small.stream().map(BenchShape::name).toList(), List.copyOf(r.keySet()));
    }

    @Test
    void jsonHasOneRecordPerMeasurement(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bench.json");
        BenchMain.writeJson(f, List.of(new BenchMain.Measurement("tiny_3x3_8_8", "kdnn", 2, 3.5, 120),
                new BenchMain.Measurement("tiny_3x3_8_8", "reference", 1, 900, Double.NaN)));
        JsonNode a = new ObjectMapper().readTree(Files.readString(f));
        assertEquals(2, a.size());
        assertEquals("kdnn", a.get(0).get("impl").asText());
        assertEquals(3.5, a.get(0).get("median_us").asDouble());
        assertTrue(a.get(1).get("first_call_us").isNull());
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 1;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            if (d > 1e-4 * scale) {
                throw new AssertionError(what + ": element " + i + " expected " + expected[i] + " got " + actual[i]);
            }
        }
    }
}
