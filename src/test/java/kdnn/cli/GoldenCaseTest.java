package kdnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the golden case form, including the thin error cases. */
class GoldenCaseTest {
    @Test
    void errorCaseWithoutDataGetsZeros(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("e.json"), """
                {"name": "e", "layer": {"class_name": "Conv2D", "config": {}},
                 "input": {"shape": [1, 2, 3, 1]}, "expect_error": true, "why": "because"}
                """);
        Files.writeString(dir.resolve("ignored.txt"), "not a case");
        assertEquals(1, GoldenCase.files(dir).size());
        GoldenCase c = GoldenCase.read(GoldenCase.files(dir).get(0));
        assertTrue(c.expectError());
        assertEquals("because", c.why());
        assertNull(c.output());
        assertArrayEquals(new float[6], c.input());
        assertTrue(c.weights().isEmpty());
    }

    @Test
    void normalCaseKeepsWeightNamesAndTolerances(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("n.json"), """
                {"name": "n", "layer": {"class_name": "UpSampling1D", "config": {"size": 2}},
                 "input": {"shape": [1, 1, 1], "data": [3]},
                 "weights": [{"name": "kernel", "shape": [1], "data": [2]}],
                 "output": {"shape": [1, 2, 1], "data": [3, 3]}, "atol": 0.001, "rtol": 0.01}
                """);
        GoldenCase c = GoldenCase.read(dir.resolve("n.json"));
        assertEquals("kernel", c.weights().get(0).name());
        assertEquals(0.001, c.atol());
        assertEquals(0.01, c.rtol());
        assertTrue(c.within(1.0f, 1.0f + 0.0105f));
        assertFalse(c.within(1.0f, 1.0f + 0.02f));
        assertTrue(c.within(Double.NaN, Double.NaN));
    }

    @Test
    void missingFolderAndDataThatDoesNotFitAreErrors(@TempDir Path dir) throws Exception {
        assertThrows(IOException.class, () -> GoldenCase.files(dir.resolve("nope")));
        Files.writeString(dir.resolve("b.json"), """
                {"name": "b", "layer": {"class_name": "UpSampling1D", "config": {}},
                 "input": {"shape": [1, 2, 1], "data": [3]},
                 "output": {"shape": [1, 2, 1], "data": [3, 3]}, "atol": 0, "rtol": 0}
                """);
        assertThrows(IllegalArgumentException.class, () -> GoldenCase.read(dir.resolve("b.json")));
    }

    /**
     * Non-finite values as writers spell them (Python's bare NaN and Infinity, strings, and
     * JavaScript's null for NaN) are read, compared (equal infinities match) and run: relu keeps
     * NaN and maps -Inf to 0 as Keras does.
     */
    @Test
    void nonFiniteValuesAreReadComparedAndRunAsInKeras(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("nan.json"), """
                {"name": "nan", "layer": {"class_name": "Conv1D", "config": {"filters": 1, "kernel_size": 1,
                   "activation": "relu"}},
                 "input": {"shape": [1, 6, 1], "data": [NaN, Infinity, -Infinity, "nan", null, "-inf"]},
                 "weights": [{"name": "kernel", "shape": [1, 1, 1], "data": [2]},
                             {"name": "bias", "shape": [1], "data": [0.5]}],
                 "output": {"shape": [1, 6, 1], "data": [NaN, Infinity, 0, "NaN", null, 0]}, "atol": 0, "rtol": 0}
                """);
        GoldenCase c = GoldenCase.read(dir.resolve("nan.json"));
        float[] in = c.input();
        assertTrue(Float.isNaN(in[0]) && Float.isNaN(in[3]) && Float.isNaN(in[4]));
        assertEquals(Float.POSITIVE_INFINITY, in[1]);
        assertEquals(Float.NEGATIVE_INFINITY, in[2]);
        assertEquals(Float.NEGATIVE_INFINITY, in[5]);
        assertTrue(c.within(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY));
        assertFalse(c.within(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY));
        assertFalse(c.within(1e30, Double.POSITIVE_INFINITY));
        GoldenRunner.Result r = GoldenRunner.run(c);
        assertTrue(r.passed(), r.toString());

        Files.writeString(dir.resolve("bad.json"), """
                {"name": "bad", "layer": {"class_name": "UpSampling1D", "config": {}},
                 "input": {"shape": [1, 1, 1], "data": ["lots"]}, "output": null}
                """);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GoldenCase.read(dir.resolve("bad.json")));
        assertTrue(e.getMessage().contains("lots"), e.getMessage());
    }
}
