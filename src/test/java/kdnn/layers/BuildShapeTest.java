package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/** A built layer refuses to be built again for another shape, instead of keeping its first one silently. */
class BuildShapeTest {
    @Test
    void aConflictingShapeIsRefusedNamingTheLayerAndBothShapes() {
        try (Conv2D conv = Conv2D.builder(4, 3, 3).name("conv").build()) {
            conv.build(1, 8, 8, 3);
            List<Weight> weights = conv.getWeights();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> conv.build(1, 8, 8, 5));
            assertEquals("layer \"conv\" is already built for input shape (1, 8, 8, 3); cannot build it for"
                    + " (1, 8, 8, 5) (only the batch size may differ)", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> conv.build(1, 9, 8, 3));
            IllegalArgumentException rank = assertThrows(IllegalArgumentException.class, () -> conv.build(1, 8, 8, 3, 1));
            assertEquals("layer \"conv\" is already built for input shape (1, 8, 8, 3); cannot build it for"
                    + " (1, 8, 8, 3, 1) (only the batch size may differ)", rank.getMessage());
            assertEquals(weights, conv.getWeights(), "a refused build leaves the weights alone");
        }
    }

    @Test
    void anotherBatchSizeOrAnUnknownOneIsTheSameShape() {
        try (Conv2D conv = Conv2D.builder(4, 3, 3).name("conv").build();
             ZeroPadding2D pad = ZeroPadding2D.builder().name("pad").build()) {
            conv.build(1, 8, 8, 3);
            List<Weight> weights = conv.getWeights();
            assertDoesNotThrow(() -> conv.build(2, 8, 8, 3));
            assertDoesNotThrow(() -> conv.build(-1, 8, 8, 3));
            assertEquals(weights, conv.getWeights(), "building again for the same shape keeps the weights");
            pad.build(-1, 5, 5, 2);
            assertDoesNotThrow(() -> pad.build(3, 5, 5, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pad.build(3, 6, 5, 2));
            assertEquals("layer \"pad\" is already built for input shape (None, 5, 5, 2); cannot build it for"
                    + " (3, 6, 5, 2) (only the batch size may differ)", e.getMessage());
        }
    }

    @Test
    void callsOnOtherSpatialSizesStillRun() {
        try (Conv2D conv = Conv2D.builder(4, 3, 3).name("conv").build()) {
            conv.build(1, 8, 8, 3);
            try (Tensor x = Tensor.zeros(2, 10, 6, 3); Tensor y = conv.call(x)) {
                assertArrayEquals(new long[] {2, 8, 4, 4}, y.shape()); // a convolution takes any spatial size, as in Keras
            }
        }
    }
}
