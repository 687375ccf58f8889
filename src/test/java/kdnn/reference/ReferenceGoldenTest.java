package kdnn.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

/** Checks the reference against every golden case in {@code golden/cases} (../shared, else the copies). */
class ReferenceGoldenTest {

    @TestFactory
    Stream<DynamicTest> goldenCases() throws IOException {
        List<Path> files = GoldenCase.files(TestData.goldenCases());
        // a run that finds nothing must not pass
        assertFalse(files.isEmpty(), "no golden cases in " + TestData.goldenCases());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(GoldenCase.read(f))));
    }

    /** The later Keras 2 convolutions' cases among the surrounding layers' (other classes are not the reference's). */
    @TestFactory
    Stream<DynamicTest> laterConvolutionCases() throws IOException {
        List<String> classes = List.of("DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "Conv1DTranspose",
                "Conv3DTranspose");
        List<GoldenCase> cases = new java.util.ArrayList<>();
        for (Path f : GoldenCase.files(TestData.goldenSurrounding())) {
            GoldenCase c = GoldenCase.read(f);
            if (classes.contains(c.layer().path("class_name").asText())) cases.add(c);
        }
        for (String cls : classes) {
            assertFalse(cases.stream().noneMatch(c -> c.layer().path("class_name").asText().equals(cls)),
                    "no golden case of " + cls);
        }
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    private static RefArray input(GoldenCase c) {
        return new RefArray(Arrays.stream(c.inputShape()).mapToInt(Math::toIntExact).toArray(), c.input());
    }

    private static List<RefArray> weights(GoldenCase c) {
        return c.weights().stream().map(w -> new RefArray(w.shape(), w.values())).toList();
    }

    private static void check(GoldenCase c) {
        if (c.expectError()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ReferenceLayer.run(c.layer(), input(c), weights(c)),
                    c.name() + ": the reference must refuse: " + c.why());
            assertFalse(e.getMessage() == null || e.getMessage().isBlank(), c.name() + ": refusal needs a message");
            return;
        }
        RefArray got = ReferenceLayer.run(c.layer(), input(c), weights(c));
        assertArrayEquals(Arrays.stream(c.outputShape()).mapToInt(Math::toIntExact).toArray(), got.shape(),
                c.name() + ": output shape");
        int bad = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < c.output().length; i++) {
            if (!c.within(got.data()[i], c.output()[i])) {
                if (bad++ < 5) {
                    first.append(String.format("%n  [%d] got %.8g want %.8g", i, got.data()[i], c.output()[i]));
                }
            }
        }
        if (bad > 0) {
            fail(c.name() + ": " + bad + " of " + c.output().length + " values out of tolerance (atol " + c.atol()
                    + ", rtol " + c.rtol() + "):" + first);
        }
    }
}
