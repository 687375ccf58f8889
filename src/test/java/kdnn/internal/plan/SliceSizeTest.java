package kdnn.internal.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The slice size the planner chooses from a step's bytes per sample and the caches, and the setting's forms. */
class SliceSizeTest {
    private static final long MB = 1 << 20;

    @Test
    void aSliceHoldsAsManySamplesAsTheCachesTakePreferringADivisorOfTheBatch() {
        // MobileNetV2's largest fused step (6 MB a sample) in 34 MB: 5 fit, 4 divides 16
        assertEquals(4, SliceSize.choose(16, 6 * MB, 87 * MB, 14 * MB, 34 * MB));
        // 7 fit: no divisor of 15 in (3.5, 7], so 3 even slices of 5
        assertEquals(5, SliceSize.choose(15, 4 * MB, 40 * MB, 10 * MB, 28 * MB));
        // 4 fit: 17 in 5 slices of at most 4
        assertEquals(4, SliceSize.choose(17, 8 * MB, 80 * MB, 10 * MB, 34 * MB));
    }

    @Test
    void noSlicingWhereTheBatchFitsOrASampleBarelyDoes() {
        assertEquals(16, SliceSize.choose(16, MB, 10 * MB, MB, 34 * MB));
        assertEquals(16, SliceSize.choose(16, 20 * MB, 200 * MB, MB, 34 * MB)); // U-Net-like: a sample's step fills the caches
        assertEquals(2, SliceSize.choose(2, 6 * MB, 87 * MB, 14 * MB, 34 * MB));
    }

    @Test
    void noSlicingWhereReadingTheWeightsAgainCostsMoreThanTheCachesSave() {
        // ResNet-50 at batch 16: 4 slices read its 100 MB of weights 3 more times, against 16 x 148 MB of values
        assertEquals(4, SliceSize.choose(16, 8 * MB, 148 * MB, 100 * MB, 34 * MB));
        // the same steps with 1.5 GB of weights (a large Dense at the end): 4.5 GB more reads would not pay
        assertEquals(16, SliceSize.choose(16, 8 * MB, 148 * MB, 1536 * MB, 34 * MB));
    }

    @Test
    void aStagesSliceHoldsAsManySamplesAsItsCacheShareTakesDownToOne() {
        // ResNet-50's second stage (7.2 MB a sample, with the residual sum) in 10 MB: one sample
        assertEquals(1, SliceSize.chooseForStage(16, 7200 * 1024, 100 * MB, MB, 10 * MB));
        // its fourth (2.4 MB): 4 fit, but its 28 MB of weights read 3 more times pass half of 16 x 8 MB
        assertEquals(8, SliceSize.chooseForStage(16, 2400 * 1024, 8 * MB, 28 * MB, 10 * MB));
        assertEquals(8, SliceSize.fewestForWeights(16, 8 * MB, 28 * MB));
        // a sample's step larger than the caches: slicing saves nothing
        assertEquals(16, SliceSize.chooseForStage(16, 11 * MB, 100 * MB, MB, 10 * MB));
        // 3 fit: 3 divides 12; of 16 the divisor below is 2
        assertEquals(3, SliceSize.chooseForStage(12, 3 * MB, 30 * MB, MB, 10 * MB));
        assertEquals(2, SliceSize.chooseForStage(16, 3 * MB, 30 * MB, MB, 10 * MB));
        // weights heavier than all the values: the whole batch
        assertEquals(16, SliceSize.fewestForWeights(16, MB, 64 * MB));
        assertEquals(1, SliceSize.fewestForWeights(16, 64 * MB, MB));
    }

    @Test
    void aStagesCacheIsTheThreadsL2AndTheirShareOfTheLastLevel() {
        long two = SliceSize.stageCacheBytes(2);
        // at most 4 MB of the last level per thread, however large it is
        assertTrue(two > 0 && two <= 2 * Math.max(kdnn.runtime.CpuCaches.bytes(2), MB) + 8 * MB, "2 threads: " + two);
        assertTrue(SliceSize.stageCacheBytes(4) >= two);
    }

    @Test
    void theSettingIsAutoOffOrACount() {
        assertEquals(0, SliceSize.parse("auto"));
        assertEquals(Integer.MAX_VALUE, SliceSize.parse("OFF"));
        assertEquals(3, SliceSize.parse(" 3 "));
        for (String bad : new String[] {"0", "-2", "some"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SliceSize.parse(bad));
            assertTrue(e.getMessage().contains("kdnn.batchSlice") && e.getMessage().contains("\"" + bad + "\""),
                    e.getMessage());
        }
    }
}
