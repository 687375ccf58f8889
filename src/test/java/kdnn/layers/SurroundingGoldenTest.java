package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import kdnn.cli.GoldenCase;
import kdnn.cli.GoldenRunner;
import org.junit.jupiter.api.Test;

/**
 * Every shared golden case of the activation, dropout and reshaping layers (refusals included)
 * passes through the golden runner; each class has at least one case, so none passes vacuously.
 */
class SurroundingGoldenTest {
    static final Set<String> CLASSES = Set.of("Activation", "ReLU", "LeakyReLU", "ELU", "ThresholdedReLU", "PReLU",
            "Softmax", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout",
            "GaussianNoise", "AlphaDropout", "ActivityRegularization", "Flatten", "Reshape", "Permute", "RepeatVector");

    @Test
    void goldenCasesOfTheseClassesPass() throws Exception {
        Path dir = Path.of(System.getProperty("kdnn.shared", "../shared"), "golden", "surrounding");
        assertTrue(Files.isDirectory(dir), "no golden cases at " + dir.toAbsolutePath());
        List<String> failures = new ArrayList<>();
        Map<String, Integer> perClass = new TreeMap<>();
        for (Path f : GoldenCase.files(dir)) {
            GoldenCase c = GoldenCase.read(f);
            String cls = c.layer().path("class_name").asText();
            if (!CLASSES.contains(cls)) continue;
            perClass.merge(cls, 1, Integer::sum);
            GoldenRunner.Result r = GoldenRunner.run(c);
            if (!r.passed()) failures.add(r.line());
        }
        assertEquals(CLASSES, perClass.keySet(), "classes without a golden case in " + dir);
        assertEquals(List.of(), failures, perClass + " cases");
    }
}
