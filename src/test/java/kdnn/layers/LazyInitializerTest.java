package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import kdnn.Tensor;
import kdnn.keras.Identity;
import kdnn.keras.Initializer;
import kdnn.keras.RandomUniform;
import org.junit.jupiter.api.Test;

/** Initializers draw when a weight is first read, never for weights that are set first; bad shapes still fail at build. */
class LazyInitializerTest {
    /** Counts its draws; fills with a seeded uniform so values can be compared. */
    private static final class Counting implements Initializer {
        final AtomicInteger draws = new AtomicInteger();
        private final Initializer inner = new RandomUniform(-0.5, 0.5, 7L);

        @Override
        public float[] initialize(int[] shape) {
            draws.incrementAndGet();
            return inner.initialize(shape);
        }

        @Override
        public ObjectNode toConfig() {
            return inner.toConfig();
        }
    }

    @Test
    void weightsSetBeforeAnyReadAreNeverDrawn() {
        Counting kernel = new Counting();
        try (Conv2D conv = Conv2D.builder(4, 3, 3).kernelInitializer(kernel).build()) {
            conv.build(1, 5, 5, 2);
            assertEquals(List.of(new WeightSpec("kernel", new int[] {3, 3, 2, 4}), new WeightSpec("bias", new int[] {4})),
                    conv.weightSpecs());
            assertEquals(0, kernel.draws.get());
            List<Weight> given = new ArrayList<>();
            float[] k = new float[3 * 3 * 2 * 4];
            java.util.Arrays.fill(k, 0.25f);
            given.add(new Weight("kernel", new int[] {3, 3, 2, 4}, k));
            given.add(new Weight("bias", new int[] {4}, new float[] {1, 2, 3, 4}));
            conv.setWeights(given);
            float[] x = new float[5 * 5 * 2];
            java.util.Arrays.fill(x, 1f);
            try (Tensor y = conv.call(Tensor.of(x, 1, 5, 5, 2))) {
                // the centre output sees 3x3x2 ones times 0.25, plus the bias
                assertEquals(4.5f + 1f, y.toFloatArray()[(1 * 3 + 1) * 4], 0f);
            }
            assertArrayEquals(k, conv.getWeights().get(0).values());
            assertEquals(0, kernel.draws.get());
        }
    }

    @Test
    void aWeightReadFirstIsDrawnOnceWithTheInitializersValues() {
        Counting kernel = new Counting();
        try (Dense dense = Dense.builder(3).kernelInitializer(kernel).build()) {
            dense.build(2, 4);
            float[] first = dense.getWeights().get(0).values();
            float[] again = dense.getWeights().get(0).values();
            assertEquals(1, kernel.draws.get());
            assertArrayEquals(new RandomUniform(-0.5, 0.5, 7L).initialize(new int[] {4, 3}), first);
            assertArrayEquals(first, again);
        }
    }

    @Test
    void anInitializerRefusingTheShapeFailsAtBuildNotAtFirstUse() {
        try (Conv2D conv = Conv2D.builder(4, 3, 3).kernelInitializer(new Identity()).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> conv.build(1, 5, 5, 2));
            assertTrue(e.getMessage().contains("Identity matrix initializer can only be used for 2D matrices"), e.getMessage());
        }
    }
}
