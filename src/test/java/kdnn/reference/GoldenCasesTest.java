package kdnn.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GoldenCasesTest {

    @Test
    void errorCaseWithoutDataGetsZeros(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("e.json"), """
                {"name": "e", "layer": {"class_name": "Conv2D", "config": {}},
                 "input": {"shape": [1, 2, 3, 1]}, "expect_error": true, "why": "because"}
                """);
        Files.writeString(dir.resolve("ignored.txt"), "not a case");
        var cases = GoldenCases.load(dir);
        assertEquals(1, cases.size());
        GoldenCase c = cases.get(0);
        assertTrue(c.expectError());
        assertEquals("because", c.why());
        assertNull(c.output());
        assertArrayEquals(new float[6], c.input().data());
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
        GoldenCase c = GoldenCases.load(dir).get(0);
        assertEquals("kernel", c.weights().get(0).name());
        assertEquals(0.001, c.atol());
        assertEquals(0.01, c.rtol());
        assertTrue(c.close(1.0f, 1.0f + 0.0105f));
        assertTrue(!c.close(1.0f, 1.0f + 0.02f));
    }

    @Test
    void missingFolderIsAnError(@TempDir Path dir) {
        assertThrows(IllegalArgumentException.class, () -> GoldenCases.load(dir.resolve("nope")));
    }

    @Test
    void dataThatDoesNotFitTheShapeIsAnError(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b.json"), """
                {"name": "b", "layer": {"class_name": "UpSampling1D", "config": {}},
                 "input": {"shape": [1, 2, 1], "data": [3]},
                 "output": {"shape": [1, 2, 1], "data": [3, 3]}, "atol": 0, "rtol": 0}
                """);
        assertThrows(IllegalArgumentException.class, () -> GoldenCases.load(dir));
    }
}
