package kdnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import kdnn.TestData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every golden case of golden/cases and golden/surrounding (../shared, else the copies) passes through kdnn (Keras' outputs and refusals). */
class GoldenCasesTest {
    @TestFactory
    Stream<DynamicTest> everyGoldenCasePasses() throws Exception {
        return everyCaseOf(TestData.goldenCases());
    }

    @TestFactory
    Stream<DynamicTest> everySurroundingGoldenCasePasses() throws Exception {
        return everyCaseOf(TestData.goldenSurrounding());
    }

    private static Stream<DynamicTest> everyCaseOf(Path dir) throws Exception {
        List<Path> files = GoldenCase.files(dir);
        assertFalse(files.isEmpty(), "no golden cases in " + dir);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            GoldenRunner.Result r = GoldenRunner.run(GoldenCase.read(f));
            assertTrue(r.passed(), r.line());
        }));
    }

    @Test
    void runnerPrintsOneLinePerCaseAndTheTotals() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int failed = GoldenRunner.runAll(new PrintStream(bytes, true, StandardCharsets.UTF_8), TestData.goldenCases());
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        int cases = GoldenCase.files(TestData.goldenCases()).size();
        assertTrue(lines.size() == cases + 1, "expected " + (cases + 1) + " lines, got " + lines.size());
        assertTrue(lines.get(lines.size() - 1).equals(cases + " passed, 0 failed"), lines.get(lines.size() - 1));
        assertTrue(failed == 0);
        lines.subList(0, cases).forEach(l -> assertTrue(l.startsWith("PASS ") || l.startsWith("FAIL "), l));
    }

    @Test
    void aSeparableCaseWithoutDepthMultiplierTakesItFromTheDepthwiseKernel() throws Exception {
        for (Path f : GoldenCase.files(TestData.goldenCases())) {
            GoldenCase c = GoldenCase.read(f);
            if (!c.layer().path("class_name").asText().equals("SeparableConv2D") || c.expectError()) continue;
            var layer = c.layer().deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) layer.get("config")).remove("depth_multiplier");
            GoldenCase thin = new GoldenCase(c.name(), layer, c.inputShapes(), c.inputs(), c.weights(), c.outputShape(),
                    c.output(), c.atol(), c.rtol(), false, null);
            GoldenRunner.Result r = GoldenRunner.run(thin);
            assertTrue(r.passed(), r.line());
        }
    }

    @Test
    void anUnimplementedClassIsARefusalForAnErrorCaseAndAFailOtherwise() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                "{\"class_name\":\"Hashing\",\"config\":{\"num_bins\":3}}");
        GoldenCase error = new GoldenCase("conv_lstm", json, List.of(new long[] {1, 2, 3}), List.of(new float[6]), List.of(), null, null, 0, 0,
                true, "not a conv layer");
        GoldenRunner.Result refused = GoldenRunner.run(error);
        assertTrue(refused.passed(), refused.line());
        assertEquals("PASS conv_lstm refused: layer class Hashing is not implemented", refused.line());
        GoldenCase output = new GoldenCase("conv_lstm", json, List.of(new long[] {1, 2, 3}), List.of(new float[6]), List.of(), new long[] {1, 3},
                new float[3], 0, 0, false, null);
        GoldenRunner.Result failed = GoldenRunner.run(output);
        assertFalse(failed.passed(), failed.line());
        assertTrue(failed.line().contains("Hashing"), failed.line());
    }
}
