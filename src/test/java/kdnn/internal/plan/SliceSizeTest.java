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
