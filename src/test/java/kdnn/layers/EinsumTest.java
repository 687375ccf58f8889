package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.reference.ReferenceOperations;
import org.junit.jupiter.api.Test;

/**
 * {@code einsum} of two tensors against NumPy's rule written out ({@code ReferenceOperations.einsum}):
 * random equations whose letters play every part (batch axes of the product, rows, columns, sums over
 * both operands or over one alone), their axes in random orders; attention's two equations; the
 * subscripts and shapes that are refused, in words that name them.
 */
class EinsumTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Layer einsum(String subscripts) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': 'Einsum', 'config': {'subscripts': '" + subscripts
                + "'}}").replace('\'', '"')));
    }

    private static void check(String x, long[] xd, String y, long[] yd, String out, Random r, String what) throws Exception {
        float[] xv = random(xd, r);
        float[] yv = random(yd, r);
        long[] od = new long[out.length()];
        for (int i = 0; i < od.length; i++) {
            char c = out.charAt(i);
            od[i] = x.indexOf(c) >= 0 ? xd[x.indexOf(c)] : yd[y.indexOf(c)];
        }
        double[] want = ReferenceOperations.einsum(x, xv, xd, y, yv, yd, out, od);
        try (Layer l = einsum(x + "," + y + "->" + out); Tensor a = Tensor.of(xv, xd); Tensor b = Tensor.of(yv, yd);
             Tensor got = l.call(List.of(a, b))) {
            assertArrayEquals(od, got.shape(), what);
            float[] g = got.toFloatArray();
            for (int i = 0; i < g.length; i++) {
                assertEquals(want[i], g[i], 1e-5 + 1e-5 * Math.abs(want[i]), what + " at " + i);
            }
        }
    }

    @Test
    void randomEquationsAsNumPyComputesThem() throws Exception {
        Random r = new Random(77);
        for (int trial = 0; trial < 120; trial++) {
            // the batch letter first everywhere; each other letter one part: B (x, y, out), M (x, out), N (y, out),
            // K (x, y), X (x alone), Y (y alone)
            List<Character> xs = new ArrayList<>(), ys = new ArrayList<>(), os = new ArrayList<>();
            StringBuilder parts = new StringBuilder();
            int letters = 1 + r.nextInt(4);
            long[] length = new long[128];
            for (int i = 0; i < letters; i++) {
                char c = (char) ('c' + i);
                length[c] = 1 + r.nextInt(4);
                char part = "BMNKXY".charAt(r.nextInt(6));
                parts.append(part);
                if ("BMKX".indexOf(part) >= 0) xs.add(c);
                if ("BNKY".indexOf(part) >= 0) ys.add(c);
                if ("BMN".indexOf(part) >= 0) os.add(c);
            }
            Collections.shuffle(xs, r);
            Collections.shuffle(ys, r);
            Collections.shuffle(os, r);
            length['b'] = 1 + r.nextInt(3);
            String x = "b" + join(xs), y = "b" + join(ys), out = "b" + join(os);
            check(x, dims(x, length), y, dims(y, length), out, r, "trial " + trial + " " + x + "," + y + "->" + out
                    + " (" + parts + ")");
        }
    }

    @Test
    void attentionWrittenOut() throws Exception {
        Random r = new Random(5);
        long[] q = {2, 5, 3, 4};
        long[] k = {2, 7, 3, 4};
        check("bqhd", q, "bkhd", k, "bhqk", r, "scores");
        check("bhqk", new long[] {2, 3, 5, 7}, "bkhd", k, "bqhd", r, "weighted values");
        check("bij", new long[] {3, 4, 5}, "bjk", new long[] {3, 5, 2}, "bik", r, "a batched matmul in place");
    }

    @Test
    void sumsOverNothingAreZerosAndAnEmptyOutputIsEmpty() throws Exception {
        float[] stale = new float[2 * 3 * 4];
        java.util.Arrays.fill(stale, Float.NaN);
        try (Layer l = einsum("bij,bjk->bik"); Tensor a = Tensor.of(new float[0], 2, 3, 0); Tensor b = Tensor.of(new float[0], 2, 0, 4);
             Tensor y = Tensor.of(stale, 2, 3, 4)) {
            l.call(List.of(a, b), y); // into an output holding NaN: every value written
            assertArrayEquals(new float[2 * 3 * 4], y.toFloatArray(), 0f);
        }
        try (Layer l = einsum("bij,bjk->bik"); Tensor a = Tensor.of(new float[0], 2, 0, 5); Tensor b = Tensor.of(new float[2 * 5 * 4], 2, 5, 4);
             Tensor y = l.call(List.of(a, b))) {
            assertArrayEquals(new long[] {2, 0, 4}, y.shape());
        }
    }

    @Test
    void refusals() throws Exception {
        String[][] configs = {{"bij,bjk", "batch axis"}, {"...ij,...jk->...ik", "ellipsis"}, {"bii,bij->bj", "diagonal"},
                {"bij->bi", "1 operand"}, {"bij,bjk,bkl->bil", "3 operand"}, {"bij,bjk->bim", "'m' which never appeared"},
                {"b1,b1->b", "invalid subscript '1'"}, {"bij,bjk->bikk", "repeats the letter 'k'"}};
        for (String[] c : configs) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
                try (Layer l = einsum(c[0]); Tensor a = Tensor.of(new float[2 * 3 * 3], 2, 3, 3);
                     Tensor b = Tensor.of(new float[2 * 3 * 3], 2, 3, 3); Tensor y = l.call(List.of(a, b))) {
                    y.shape();
                }
            }, c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
        }
        try (Layer l = einsum("bij,bjk->bik"); Tensor a = Tensor.of(new float[2 * 3 * 4], 2, 3, 4);
             Tensor b = Tensor.of(new float[2 * 5 * 2], 2, 5, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.call(List.of(a, b)).close());
            assertTrue(e.getMessage().contains("'j'") && e.getMessage().contains("length 4") && e.getMessage().contains("5"),
                    e.getMessage());
        }
    }

    private static String join(List<Character> cs) {
        StringBuilder s = new StringBuilder();
        for (char c : cs) s.append(c);
        return s.toString();
    }

    private static long[] dims(String spec, long[] length) {
        long[] d = new long[spec.length()];
        for (int i = 0; i < d.length; i++) d[i] = length[spec.charAt(i)];
        return d;
    }

    private static float[] random(long[] shape, Random r) {
        long n = 1;
        for (long d : shape) n *= d;
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return v;
    }
}
