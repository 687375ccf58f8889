package kdnn.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ReferenceShapeOpsTest {

    @Test
    void zeroPad1dChannelsFirstPadsTheLastAxis() {
        RefArray x = new RefArray(new int[] {1, 1, 3}, new float[] {1, 2, 3});
        RefArray y = ReferenceShapeOps.zeroPad(x, new int[][] {{1, 2}}, true);
        assertArrayEquals(new int[] {1, 1, 6}, y.shape());
        assertArrayEquals(new float[] {0, 1, 2, 3, 0, 0}, y.data());
    }

    @Test
    void crop2dChannelsLast() {
        // 3x3 single channel 1..9, drop the first row and the last column
        RefArray x = new RefArray(new int[] {1, 3, 3, 1}, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        RefArray y = ReferenceShapeOps.crop(x, new int[][] {{1, 0}, {0, 1}}, false);
        assertArrayEquals(new int[] {1, 2, 2, 1}, y.shape());
        assertArrayEquals(new float[] {4, 5, 7, 8}, y.data());
    }

    @Test
    void croppingEverythingIsRefused() {
        RefArray x = RefArray.zeros(1, 4, 4, 1);
        assertThrows(IllegalArgumentException.class,
                () -> ReferenceShapeOps.crop(x, new int[][] {{2, 2}, {0, 0}}, false));
    }

    @Test
    void upsampleRepeatsEachElement() {
        // 2x2 with two channels (channels_last), size (1, 2)
        RefArray x = new RefArray(new int[] {1, 2, 2, 2}, new float[] {1, 10, 2, 20, 3, 30, 4, 40});
        RefArray y = ReferenceShapeOps.upsample(x, new int[] {1, 2}, false);
        assertArrayEquals(new int[] {1, 2, 4, 2}, y.shape());
        assertArrayEquals(new float[] {1, 10, 1, 10, 2, 20, 2, 20, 3, 30, 3, 30, 4, 40, 4, 40}, y.data());
    }

    @Test
    void wrongRankIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> ReferenceShapeOps.upsample(RefArray.zeros(1, 2, 2), new int[] {2, 2}, false));
    }
}
