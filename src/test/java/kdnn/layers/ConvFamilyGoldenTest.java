package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import kdnn.TestData;
import kdnn.cli.GoldenCase;
import kdnn.cli.GoldenRunner;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every shared golden case of the later Keras 2 convolutions (outputs and refusals) passes through
 * kdnn, and the configs tf-keras wrote come back out key for key, in its order.
 */
class ConvFamilyGoldenTest {
    static final List<String> CLASSES = List.of("DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
            "Conv1DTranspose", "Conv3DTranspose");

    /** The cases of these classes by class name; fails unless every class has at least one. */
    static Map<String, List<GoldenCase>> cases() throws Exception {
        Map<String, List<GoldenCase>> byClass = new TreeMap<>();
        for (Path f : GoldenCase.files(TestData.goldenSurrounding())) {
            GoldenCase c = GoldenCase.read(f);
            String cls = c.layer().path("class_name").asText();
            if (CLASSES.contains(cls)) byClass.computeIfAbsent(cls, k -> new ArrayList<>()).add(c);
        }
        for (String cls : CLASSES) {
            assertTrue(byClass.containsKey(cls), "no golden case of " + cls + " in " + TestData.goldenSurrounding());
        }
        return byClass;
    }

    @TestFactory
    Stream<DynamicTest> everyCasePasses() throws Exception {
        return cases().values().stream().flatMap(List::stream).map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            GoldenRunner.Result r = GoldenRunner.run(c);
            assertTrue(r.passed(), r.line());
        }));
    }

    @Test
    void everyClassHasARefusalCase() throws Exception {
        // the error cases must be there to be run: DepthwiseConv2D's strides with dilation, etc.
        long refusals = cases().values().stream().flatMap(List::stream).filter(GoldenCase::expectError).count();
        assertTrue(refusals >= 5, "expected the refusal cases, found " + refusals);
    }

    @Test
    void tfKerasConfigsComeBackKeyForKeyInOrder() throws Exception {
        int checked = 0;
        for (List<GoldenCase> list : cases().values()) {
            for (GoldenCase c : list) {
                JsonNode written = c.layer().get("config");
                if (c.expectError() || !written.has("groups")) continue; // older Keras 2 forms are not canonical
                try (Layer l = Layers.fromConfig(c.layer())) {
                    JsonNode back = l.getConfig();
                    assertEquals(names(written), names(back), c.name());
                    assertEquals(written, back, c.name());
                    checked++;
                }
            }
        }
        assertTrue(checked >= CLASSES.size(), "only " + checked + " configs checked");
    }

    private static List<String> names(JsonNode o) {
        List<String> n = new ArrayList<>();
        for (Iterator<String> i = o.fieldNames(); i.hasNext(); ) n.add(i.next());
        return n;
    }
}
