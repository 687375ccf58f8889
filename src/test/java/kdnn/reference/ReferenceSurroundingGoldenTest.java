package kdnn.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import kdnn.TestData;
import kdnn.cli.GoldenCase;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Checks the reference of the surrounding layers against their golden cases in {@code golden/surrounding}. */
class ReferenceSurroundingGoldenTest {

    @TestFactory
    Stream<DynamicTest> goldenCases() throws IOException {
        List<GoldenCase> cases = new java.util.ArrayList<>();
        for (Path f : GoldenCase.files(TestData.goldenSurrounding())) {
            GoldenCase c = GoldenCase.read(f);
            if (ReferenceNormPoolDense.handles(c.layer().path("class_name").asText()) && !c.expectError()) cases.add(c);
        }
        assertTrue(cases.size() >= 20, "too few golden cases of the surrounding layers: " + cases.size());
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    private static void check(GoldenCase c) {
        RefArray x = new RefArray(Arrays.stream(c.inputShape()).mapToInt(Math::toIntExact).toArray(), c.input());
        List<RefArray> w = c.weights().stream().map(v -> new RefArray(v.shape(), v.values())).toList();
        RefArray got = ReferenceNormPoolDense.run(c.layer(), x, w);
        assertArrayEquals(Arrays.stream(c.outputShape()).mapToInt(Math::toIntExact).toArray(), got.shape(), c.name());
        for (int i = 0; i < c.output().length; i++) {
            if (!c.within(got.data()[i], c.output()[i])) {
                fail(c.name() + ": value " + i + " is " + got.data()[i] + ", expected " + c.output()[i]);
            }
        }
    }
}
