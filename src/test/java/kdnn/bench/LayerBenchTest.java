package kdnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The layer benchmark rows are consistent: kdnn agrees with the pure-Java reference on each, the
 * C comparator's line describes the same output, and the comparator accepts every line. Nothing
 * here times anything.
 */
class LayerBenchTest {

    @Test
    void theRowsAreTheIssues() {
        assertEquals(List.of("maxpool_3x3_s2_64_112", "global_avgpool_2048_7", "dense_2048_1000_b1", "batchnorm_64_56",
                        "concatenate_2x128_28"),
                LayerRow.SUITE.stream().map(LayerRow::name).toList());
    }

    @TestFactory
    Stream<DynamicTest> kdnnMatchesTheReferenceAndTheNativeLineHasTheSameOutput() {
        return LayerRow.SUITE.stream().map(r -> DynamicTest.dynamicTest(r.name(), () -> {
            float[][] got = r.kdnnAndReference(r.inputValues(3));
            assertEquals(got[1].length, got[0].length);
            for (int i = 0; i < got[0].length; i++) {
                assertTrue(Math.abs(got[0][i] - got[1][i]) <= 1e-4 * (1 + Math.abs(got[1][i])),
                        r.name() + " element " + i + ": kdnn " + got[0][i] + ", reference " + got[1][i]);
            }
            long[] f = Arrays.stream(r.nativeLine().split(" ")).skip(1).filter(s -> s.matches("\\d+"))
                    .mapToLong(Long::parseLong).toArray();
            long outputs = Arrays.stream(r.outputShape()).reduce(1, (a, b) -> a * b);
            long nativeOutputs = switch (r.nativeLine().split(" ")[0]) {
                case "pool" -> Arrays.stream(f, 1 + (int) f[0], 1 + 2 * (int) f[0]).reduce(1, (a, b) -> a * b); // dst after src
                case "dense" -> f[0] * f[2];
                case "concat" -> f[1] * f[3] * f[4] * f[5] * f[6]; // n inputs of the dims after the axis
                default -> f[1] * f[2] * f[3] * f[4];
            };
            assertEquals(outputs, nativeOutputs, r.nativeLine());
        }));
    }

    @Test
    void theComparatorAcceptsEveryRow() throws Exception {
        try {
            new ProcessBuilder("gcc", "--version").start().waitFor();
        } catch (java.io.IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no gcc on this machine");
        }
        try (NativeBench.Session s = NativeBench.start(1, new Timing.Budget(0, 0, 1))) {
            for (LayerRow r : LayerRow.SUITE) {
                assertTrue(s.op(r.name(), r.nativeLine()) > 0, r.name());
                assertTrue(s.measure().samples() >= 1, r.name());
            }
        }
    }
}
