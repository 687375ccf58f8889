package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import kdnn.cli.GoldenCase;
import kdnn.cli.GoldenRunner;
import org.junit.jupiter.api.Test;

/** Every shared golden case of a shape layer (and the cropping refusals) passes through the golden runner. */
class ShapeGoldenTest {
    private static final Set<String> SHAPE_LAYERS = Set.of("Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D",
            "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D");

    @Test
    void goldenShapeCasesPass() throws Exception {
        Path dir = kdnn.TestData.goldenCases();
        assertTrue(Files.isDirectory(dir), "no golden cases at " + dir.toAbsolutePath());
        List<String> failures = new ArrayList<>();
        int ran = 0;
        for (Path f : GoldenCase.files(dir)) {
            GoldenCase c = GoldenCase.read(f);
            String cls = c.layer().path("class_name").asText();
            if (!SHAPE_LAYERS.contains(cls) && !c.name().startsWith("error_cropping")) continue;
            GoldenRunner.Result r = GoldenRunner.run(c);
            ran++;
            if (!r.passed()) failures.add(r.line());
        }
        assertTrue(ran > 0, "no shape-layer golden case found in " + dir);
        assertFalse(!failures.isEmpty(), ran + " cases, failed: " + failures);
    }
}
