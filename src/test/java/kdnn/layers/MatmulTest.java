package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@code matmul(a, b)} of two tensors against the product written out in double: ranks 3 to 5,
 * the axes between the batch and the last two broadcast as NumPy does (either side of length 1), and
 * tf.linalg.matmul's transposes; mismatched operands refused.
 */
class MatmulTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer matmul(boolean ta, boolean tb) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': 'Matmul', 'config': {'transpose_a': " + ta
                + ", 'transpose_b': " + tb + "}}").replace('\'', '"')));
    }

    @Test
    void broadcastProductsAsNumPyComputesThem() throws Exception {
        Random r = new Random(3);
        for (int trial = 0; trial < 40; trial++) {
            int rank = 3 + r.nextInt(3);
            long batch = 1 + r.nextInt(3);
            long n = 1 + r.nextInt(4);
            long k = 1 + r.nextInt(5);
            long m = 1 + r.nextInt(4);
            long[] lead = new long[rank - 2];
            lead[0] = batch;
            for (int d = 1; d < lead.length; d++) lead[d] = 1 + r.nextInt(3);
            long[] leadA = lead.clone();
            long[] leadB = lead.clone();
            for (int d = 1; d < lead.length; d++) {
                if (r.nextInt(3) == 0) leadA[d] = 1;
                else if (r.nextInt(3) == 0) leadB[d] = 1;
            }
            boolean ta = r.nextBoolean();
            boolean tb = r.nextBoolean();
            long[] a = concat(leadA, ta ? new long[] {k, n} : new long[] {n, k});
            long[] b = concat(leadB, tb ? new long[] {m, k} : new long[] {k, m});
            float[] x = random(a, r);
            float[] y = random(b, r);
            try (Layer l = matmul(ta, tb); Tensor ta_ = Tensor.of(x, a); Tensor tb_ = Tensor.of(y, b);
                 Tensor out = l.call(List.of(ta_, tb_))) {
                long[] want = concat(lead, new long[] {n, m});
                assertArrayEquals(want, out.shape(), trial + "");
                float[] got = out.toFloatArray();
                int[] idx = new int[want.length];
                for (int i = 0; i < got.length; i++) {
                    int rest = i;
                    for (int d = want.length - 1; d >= 0; d--) {
                        idx[d] = (int) (rest % want[d]);
                        rest /= (int) want[d];
                    }
                    double s = 0;
                    for (int j = 0; j < k; j++) {
                        s += (double) x[at(a, idx, ta, idx[want.length - 2], j)] * y[at(b, idx, tb, j, idx[want.length - 1])];
                    }
                    assertEquals(s, got[i], 1e-5 + 1e-5 * Math.abs(s), "trial " + trial + " at " + i);
                }
            }
        }
    }

    /** The offset in a row-major operand of shape {@code s} of its element (row, col) at output position {@code idx}. */
    private static int at(long[] s, int[] idx, boolean transpose, int row, int col) {
        int r = s.length;
        int o = 0;
        for (int d = 0; d < r - 2; d++) {
            int i = idx[d + idx.length - r];
            o = (int) (o * s[d] + (s[d] == 1 ? 0 : i));
        }
        int a = transpose ? col : row;
        int b = transpose ? row : col;
        return (int) ((o * s[r - 2] + a) * s[r - 1] + b);
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static float[] random(long[] shape, Random r) {
        float[] v = new float[(int) Shapes.product(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    @Test
    void mismatchedOperandsAreRefused() throws Exception {
        long[][][] cases = {{{2, 3, 4}, {2, 5, 6}}, {{2, 3}, {2, 3, 4}}, {{2, 3, 3, 4}, {2, 2, 4, 5}}};
        String[] why = {"inner dimensions", "batch axis and two more", "broadcast"};
        for (int c = 0; c < cases.length; c++) {
            try (Layer l = matmul(false, false)) {
                long[][] s = cases[c];
                var e = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(List.of(s[0], s[1])));
                assertTrue(e.getMessage().contains(why[c]), e.getMessage());
            }
        }
    }
}
