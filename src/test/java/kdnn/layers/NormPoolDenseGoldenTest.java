package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import kdnn.TestData;
import kdnn.cli.GoldenCase;
import kdnn.cli.GoldenRunner;
import org.junit.jupiter.api.Test;

/** Every golden case of BatchNormalization, Dense and the pooling layers (refusals too) passes through the golden runner. */
class NormPoolDenseGoldenTest {
    static final Set<String> CLASSES = Set.of("BatchNormalization", "Dense", "MaxPooling1D", "MaxPooling2D",
            "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "GlobalMaxPooling1D",
            "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
            "GlobalAveragePooling3D");

    @Test
    void everyCaseOfTheseClassesPasses() throws Exception {
        Path dir = TestData.goldenSurrounding();
        Map<String, Integer> perClass = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        int refusals = 0;
        for (Path f : GoldenCase.files(dir)) {
            GoldenCase c = GoldenCase.read(f);
            String cls = c.layer().path("class_name").asText();
            if (!CLASSES.contains(cls)) continue;
            perClass.merge(cls, 1, Integer::sum);
            if (c.expectError()) refusals++;
            GoldenRunner.Result r = GoldenRunner.run(c);
            if (!r.passed()) failures.add(r.line());
        }
        assertEquals(CLASSES, perClass.keySet(), "every class needs at least one golden case: " + perClass);
        assertTrue(refusals >= 5, "the refusal cases are missing: " + refusals);
        assertTrue(failures.isEmpty(), perClass + "; failed: " + failures);
    }
}
