package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceOperations;
import org.junit.jupiter.api.Test;

/** Stack ({@code tf.stack}, {@code keras.ops.stack}): tensors of one shape along a new axis, as NumPy's stack. */
class StackTest {

    @Test
    void alongEveryAxisButTheBatch() throws Exception {
        long[] shape = {2, 4, 5};
        List<float[]> xs = List.of(new float[40], new float[40], new float[40]);
        for (int k = 0; k < 3; k++) for (int i = 0; i < 40; i++) xs.get(k)[i] = k * 100 + i;
        for (int axis : new int[] {1, 2, 3, -1, -2, -3}) {
            int a = axis < 0 ? axis + 4 : axis;
            try (Stack s = Stack.of("s", axis); Tensor x0 = Tensor.of(xs.get(0), shape); Tensor x1 = Tensor.of(xs.get(1), shape);
                 Tensor x2 = Tensor.of(xs.get(2), shape); Tensor y = s.call(List.of(x0, x1, x2))) {
                long[] want = new long[4];
                for (int d = 0, k = 0; d < 4; d++) want[d] = d == a ? 3 : shape[k++];
                assertArrayEquals(want, y.shape(), "axis " + axis);
                int[] ishape = java.util.Arrays.stream(shape).mapToInt(d -> (int) d).toArray();
                RefArray want2 = ReferenceOperations.stack(xs.stream().map(v -> new RefArray(ishape, v)).toList(), a);
                assertArrayEquals(want2.data(), y.toFloatArray(), 0f, "axis " + axis);
            }
        }
    }

    @Test
    void refusals() {
        try (Stack batch = Stack.of("s", 0); Stack far = Stack.of("f", 4); Stack s = Stack.of("m", -1)) {
            var e = assertThrows(IllegalArgumentException.class, () -> batch.computeOutputShape(List.of(new long[] {2, 3}, new long[] {2, 3})));
            assertTrue(e.getMessage().contains("stacking along the batch axis (axis=0)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> far.computeOutputShape(List.of(new long[] {2, 3}, new long[] {2, 3})));
            assertTrue(e.getMessage().contains("Invalid axis 4 for Stack \"f\": expected an axis in [-3, 3)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.computeOutputShape(List.of(new long[] {2, 3}, new long[] {2, 4})));
            assertTrue(e.getMessage().contains("needs inputs of one shape"), e.getMessage());
            assertEquals(-1, Layers.toConfig(s).get("config").get("axis").asInt());
        }
    }
}
