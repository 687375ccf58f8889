package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Random;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Keras 3's mean, max, min, sum, prod, var, std (tf.math.reduce_*) and norm (over one axis or two) over random axes of random tensors,
 * against the reduction written out in double; keepdims either way, negative axes; the batch axis
 * and repeated axes refused.
 */
class ReduceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer op(String cls, String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': '" + cls + "', 'config': " + config + "}").replace('\'', '"')));
    }

    @Test
    void everyReductionOverRandomAxes() throws Exception {
        Random r = new Random(7);
        for (int trial = 0; trial < 80; trial++) {
            String cls = Reduce.CLASS_NAMES.get(r.nextInt(Reduce.CLASS_NAMES.size()));
            int rank = 2 + r.nextInt(4);
            long[] shape = new long[rank];
            for (int d = 0; d < rank; d++) shape[d] = 1 + r.nextInt(4);
            java.util.List<Integer> axes = new java.util.ArrayList<>();
            boolean[] reduced = new boolean[rank];
            for (int d = 1; d < rank; d++) {
                if (r.nextBoolean() || d == rank - 1 && axes.isEmpty()) {
                    axes.add(r.nextBoolean() ? d : d - rank);
                    reduced[d] = true;
                }
            }
            while (cls.equals("Norm") && axes.size() > 2) {
                int a = axes.remove(axes.size() - 1); // a norm is over one axis or two
                reduced[a < 0 ? a + rank : a] = false;
            }
            java.util.Collections.shuffle(axes, r);
            boolean keepdims = r.nextBoolean();
            String axis = axes.size() == 1 && r.nextBoolean() ? "" + axes.get(0) : axes.toString();
            try (Layer l = op(cls, "{'axis': " + axis + ", 'keepdims': " + keepdims + "}")) {
                int n = (int) Shapes.product(shape);
                float[] x = new float[n];
                for (int i = 0; i < n; i++) x[i] = (float) (cls.equals("Prod") ? 0.5 + r.nextDouble() : r.nextGaussian());
                // the reference: each output element gathers the inputs that agree on the kept axes
                long[] kept = new long[rank];
                for (int d = 0; d < rank; d++) kept[d] = reduced[d] ? 1 : shape[d];
                int m = (int) Shapes.product(kept);
                double[] acc = new double[m];
                double[] sums = new double[m];
                double[] squares = new double[m];
                int[] count = new int[m];
                java.util.Arrays.fill(acc, cls.equals("Max") ? Double.NEGATIVE_INFINITY : cls.equals("Min")
                        ? Double.POSITIVE_INFINITY : cls.equals("Prod") ? 1 : 0);
                for (int i = 0; i < n; i++) {
                    int rest = i;
                    int o = 0;
                    int stride = 1;
                    for (int d = rank - 1; d >= 0; d--) {
                        int c = (int) (rest % shape[d]);
                        rest /= (int) shape[d];
                        if (!reduced[d]) o += c * stride;
                        stride *= (int) kept[d];
                    }
                    sums[o] += x[i];
                    squares[o] += (double) x[i] * x[i];
                    acc[o] = switch (cls) {
                        case "Max" -> Math.max(acc[o], x[i]);
                        case "Min" -> Math.min(acc[o], x[i]);
                        case "Prod" -> acc[o] * x[i];
                        case "Norm" -> acc[o] + (double) x[i] * x[i];
                        default -> acc[o] + x[i];
                    };
                    count[o]++;
                }
                try (Tensor in = Tensor.of(x, shape); Tensor y = l.call(in)) {
                    long[] want = keepdims ? kept : java.util.stream.IntStream.range(0, rank).filter(d -> !reduced[d])
                            .mapToLong(d -> shape[d]).toArray();
                    assertArrayEquals(want, y.shape(), cls + " " + axis);
                    float[] got = y.toFloatArray();
                    for (int i = 0; i < m; i++) {
                        double mean = sums[i] / count[i];
                        double variance = Math.max(squares[i] / count[i] - mean * mean, 0);
                        double v = switch (cls) {
                            case "Mean" -> mean;
                            case "Norm" -> Math.sqrt(acc[i]);
                            case "Var" -> variance;
                            case "Std" -> Math.sqrt(variance);
                            default -> acc[i];
                        };
                        assertEquals(v, got[i], 1e-5 + 1e-5 * Math.abs(v), cls + " axis=" + axis + " at " + i);
                    }
                }
                try (Layer back = Layers.fromConfig(Layers.toConfig(l))) {
                    assertEquals(Layers.toConfig(l), Layers.toConfig(back));
                }
            }
        }
    }

    @Test
    void theBatchAxisAndRepeatedAxesAreRefused() throws Exception {
        String[][] cases = {{"{'axis': 0}", "batch axis"}, {"{'axis': [1, -2]}", "twice"}, {"{'axis': 3}", "Invalid"}};
        for (String[] c : cases) {
            try (Layer l = op("Sum", c[0])) {
                var e = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(new long[] {2, 3, 4}), c[0]);
                assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            }
        }
        var e = assertThrows(IllegalArgumentException.class, () -> op("Mean", "{'axis': null}").close());
        assertTrue(e.getMessage().contains("axis=None"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> op("Max", "{'axis': 1, 'initial': 0.0}").close());
        assertTrue(e.getMessage().contains("initial"), e.getMessage());
    }
}
