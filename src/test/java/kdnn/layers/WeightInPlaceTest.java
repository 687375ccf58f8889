package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/** A weight read from a file's bytes goes into the layer's memory straight from them, with Keras' values. */
class WeightInPlaceTest {
    private static final ValueLayout.OfFloat LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static MemorySegment littleEndian(Arena a, float[] v, long offset) {
        // an odd offset: a file's dataset need not be aligned
        MemorySegment m = a.allocate(v.length * 4L + offset).asSlice(offset);
        for (int i = 0; i < v.length; i++) m.setAtIndex(LE, i, v[i]);
        return m;
    }

    @Test
    void aLayerTakesItsWeightsStraightFromTheBytes() {
        float[] kernel = {0.5f, -1f, 2f, 0.25f, 3f, -0.75f};
        float[] bias = {0.125f, -2f};
        try (Arena a = Arena.ofConfined(); Dense dense = Dense.builder(2).build()) {
            dense.build(1, 3);
            Weight k = Weight.of("kernel", new int[] {3, 2}, littleEndian(a, kernel, 3));
            Weight b = Weight.of("bias", new int[] {2}, littleEndian(a, bias, 1));
            dense.setWeights(List.of(k, b));
            assertTrue(k.inPlace() && b.inPlace(), "setting them made no Java array");
            assertArrayEquals(kernel, dense.getWeights().get(0).values());
            try (Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3); Tensor y = dense.call(x)) {
                assertArrayEquals(new float[] {0.5f + 4f + 9f + 0.125f, -1f + 0.5f - 2.25f - 2f}, y.toFloatArray());
            }
            assertArrayEquals(kernel, k.values());
            assertFalse(k.inPlace(), "values() made the array");
            assertEquals(new Weight("kernel", new int[] {3, 2}, kernel), k);
            assertTrue(k.withName("w").name().equals("w") && b.withName("c").inPlace());
        }
    }

    @Test
    void bytesThatDoNotHoldTheShapeAreRefused() {
        try (Arena a = Arena.ofConfined()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Weight.of("kernel", new int[] {3, 2}, a.allocate(20)));
            assertTrue(e.getMessage().contains("needs 24 bytes, got 20"), e.getMessage());
        }
    }
}
