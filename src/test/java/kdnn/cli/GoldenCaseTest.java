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
}
