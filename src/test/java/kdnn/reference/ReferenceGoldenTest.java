package kdnn.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Checks the reference against every golden case in {@code ${kdnn.shared}/golden/cases}. */
class ReferenceGoldenTest {

    static Path casesDir() {
        String shared = System.getProperty("kdnn.shared", "../shared");
        return Path.of(shared, "golden", "cases");
    }

    @TestFactory
    Stream<DynamicTest> goldenCases() {
        List<GoldenCase> cases = GoldenCases.load(casesDir());
        // a run that finds nothing must not pass
        assertFalse(cases.isEmpty(), "no golden cases in " + casesDir());
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    private static void check(GoldenCase c) {
        if (c.expectError()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ReferenceLayer.run(c.layer(), c.input(), c.weightArrays()),
                    c.name() + ": the reference must refuse: " + c.why());
            assertFalse(e.getMessage() == null || e.getMessage().isBlank(), c.name() + ": refusal needs a message");
            return;
        }
        RefArray got = ReferenceLayer.run(c.layer(), c.input(), c.weightArrays());
        RefArray want = c.output();
        assertArrayEquals(want.shape(), got.shape(), c.name() + ": output shape");
        int bad = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < want.data().length; i++) {
            if (!c.close(got.data()[i], want.data()[i])) {
                if (bad++ < 5) {
                    first.append(String.format("%n  [%d] got %.8g want %.8g", i, got.data()[i], want.data()[i]));
                }
            }
        }
        if (bad > 0) {
            fail(c.name() + ": " + bad + " of " + want.data().length + " values out of tolerance (atol " + c.atol() + ", rtol "
                    + c.rtol() + "):" + first);
        }
    }
}
