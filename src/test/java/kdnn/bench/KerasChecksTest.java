package kdnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import kdnn.Tensor;
import kdnn.TestData;
import kdnn.layers.ExtremeValues;
import kdnn.model.Model;
import kdnn.model.ModelFiles;
import kdnn.runtime.ExecutionTrace;
import kdnn.runtime.MagnitudeScan;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's measure of the {@code keras} mode's own work: the scans a traced call runs,
 * with the bytes each reads, and whether the mode runs the default's primitives. Nothing here
 * checks a speed.
 */
class KerasChecksTest {
    private static final long[] SHAPE = {2, 32, 32, 3};
    private static final Timing.Budget QUICK = new Timing.Budget(0, 1, 3);

    @Test
    void aTracedScanNamesTheDataItRead() throws Exception {
        try (Model m = ModelFiles.load(TestData.functionalModels().resolve("resnet_tiny"));
             Tensor in = Tensor.of(TestData.random(new SplittableRandom(3), 2 * 32 * 32 * 3), SHAPE);
             Tensor y = Tensor.uninitialized(m.outputShape(SHAPE))) {
            m.setExtremes(ExtremeValues.KERAS);
            m.predict(in, y);
            List<ExecutionTrace.Step> scans = ExecutionTrace.record(() -> m.predict(in, y)).stream()
                    .filter(s -> s.java() && s.kind().startsWith(MagnitudeScan.TRACE_STEP)).toList();
            // the model's input is the first thing scanned: no bound covers it
            assertEquals(2 * 32 * 32 * 3 * Float.BYTES, scans.get(0).args().get(0).bytes(), scans.toString());
            assertTrue(scans.stream().allMatch(s -> s.args().size() == 1 && s.args().get(0).address() != 0));
        }
    }

    @Test
    void theKerasModesChecksAreCountedAndTimedAlone() throws Exception {
        try (Model m = ModelFiles.load(TestData.functionalModels().resolve("resnet_tiny"));
             Tensor in = Tensor.of(TestData.random(new SplittableRandom(3), 2 * 32 * 32 * 3), SHAPE);
             Tensor y = Tensor.uninitialized(m.outputShape(SHAPE))) {
            KerasChecks checks = KerasChecks.measure(m, in, y, 2, QUICK, 1);
            assertTrue(checks.scans() >= 1, checks.toString());
            assertTrue(checks.bytes() >= 2 * 32 * 32 * 3 * Float.BYTES, checks.toString());
            assertTrue(checks.medianUs() > 0, checks.toString());
            assertTrue(checks.samePrimitives(), "keras mode plans the default's primitives: " + checks);
            assertTrue(checks.describe(1000).contains(" scan"), checks.describe(1000));
            // the model is back in the process' mode, which scans nothing
            assertTrue(ExecutionTrace.record(() -> m.predict(in, y)).stream().noneMatch(ExecutionTrace.Step::java));
        }
    }
}
