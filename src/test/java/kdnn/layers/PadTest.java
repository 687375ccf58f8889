package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.SplittableRandom;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceShapeOps;
import org.junit.jupiter.api.Test;

/** {@code Pad} in its three modes against the reference (NumPy's and tf.pad's semantics), and its refusals. */
class PadTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer pad(int[][] paddings, String mode, double value) {
        ObjectNode c = JSON.createObjectNode();
        ArrayNode p = c.putArray("paddings");
        for (int[] pair : paddings) p.addArray().add(pair[0]).add(pair[1]);
        c.put("mode", mode);
        c.put("constant_values", value);
        ObjectNode layer = JSON.createObjectNode();
        layer.put("class_name", "Pad");
        layer.set("config", c);
        return Layers.fromConfig(layer);
    }

    private static float[] padded(float[] x, long[] shape, int[][] paddings, String mode, double value) {
        try (Layer l = pad(paddings, mode, value); Tensor in = Tensor.of(x, shape); Tensor y = l.call(in)) {
            return y.toFloatArray();
        }
    }

    @Test
    void mirrorsAsNumPyDoes() {
        float[] x = {1, 2, 3};
        long[] shape = {1, 3};
        int[][] two = {{0, 0}, {2, 2}};
        assertArrayEquals(new float[] {3, 2, 1, 2, 3, 2, 1}, padded(x, shape, two, "reflect", 0), 0f);
        assertArrayEquals(new float[] {2, 1, 1, 2, 3, 3, 2}, padded(x, shape, two, "SYMMETRIC", 0), 0f);
        assertArrayEquals(new float[] {7, 7, 1, 2, 3, 7, 7}, padded(x, shape, two, "constant", 7), 0f);
        // corners mirror the mirrored borders: tf.pad([[1, 2], [3, 4]], [[1, 1], [1, 1]], "REFLECT")
        assertArrayEquals(new float[] {4, 3, 4, 3, 2, 1, 2, 1, 4, 3, 4, 3, 2, 1, 2, 1},
                padded(new float[] {1, 2, 3, 4}, new long[] {1, 2, 2}, new int[][] {{0, 0}, {1, 1}, {1, 1}}, "reflect", 0), 0f);
    }

    @Test
    void randomPadsOfEveryModeMatchTheReference() {
        SplittableRandom r = new SplittableRandom(14);
        String[] modes = {"constant", "reflect", "symmetric"};
        for (int t = 0; t < 90; t++) {
            int rank = 2 + r.nextInt(4);
            String mode = modes[t % 3];
            int[] shape = new int[rank];
            int[][] paddings = new int[rank][2];
            shape[0] = 1 + r.nextInt(2);
            for (int a = 1; a < rank; a++) {
                shape[a] = 1 + r.nextInt(rank > 3 ? 4 : 6);
                int most = mode.equals("reflect") ? shape[a] - 1 : mode.equals("symmetric") ? shape[a] : 4;
                paddings[a][0] = r.nextInt(most + 1);
                paddings[a][1] = r.nextInt(most + 1);
            }
            float[] x = new float[Arrays.stream(shape).reduce(1, (p, q) -> p * q)];
            for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
            float value = (float) (r.nextDouble() * 4 - 2);
            RefArray want = ReferenceShapeOps.pad(new RefArray(shape, x), paddings, mode, value);
            long[] dims = Arrays.stream(shape).asLongStream().toArray();
            String what = mode + " " + Arrays.toString(shape) + " by " + Arrays.deepToString(paddings);
            assertArrayEquals(want.data(), padded(x, dims, paddings, mode, value), 0f, what);
        }
    }

    @Test
    void refusesWhatTfPadRefuses() {
        long[] shape = {1, 3, 2};
        float[] x = new float[6];
        var e = assertThrows(IllegalArgumentException.class,
                () -> padded(x, shape, new int[][] {{0, 0}, {3, 0}, {0, 0}}, "reflect", 0));
        assertTrue(e.getMessage().contains("paddings must be less than the dimension size: 3, 0 not less than 3"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> padded(x, shape, new int[][] {{0, 0}, {0, 0}, {1, 3}}, "symmetric", 0));
        assertTrue(e.getMessage().contains("paddings must be no greater than the dimension size: 1, 3 greater than 2"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> pad(new int[][] {{0, 0}, {1, 1}}, "edge", 0));
        assertTrue(e.getMessage().contains("mode=\"edge\"") && e.getMessage().contains("[constant, reflect, symmetric]"),
                e.getMessage());
        // a symmetric pad of the whole axis is allowed, as in tf.pad
        float[] y = {1, 2, 3, 4, 5, 6};
        int[][] whole = {{0, 0}, {3, 3}, {0, 0}};
        assertArrayEquals(ReferenceShapeOps.pad(new RefArray(new int[] {1, 3, 2}, y), whole, "symmetric", 0).data(),
                padded(y, shape, whole, "symmetric", 0), 0f);
    }
}
