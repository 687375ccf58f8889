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
 * Keras' Dot against {@code batch_dot} computed in double from its definition (the first input's
 * other axes, then the second's; a rank-1 result as {@code (batch, 1)}): ranks 2 to 4, every axis
 * pairing including negative axes and axes on both sides of the others, {@code normalize} (cosine
 * proximity), NaN, and Keras' refusals.
 */
class DotTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'Dot','config':" + config + "}").replace('\'', '"')));
    }

    /** batch_dot in double: out[b, i..., j...] = sum_t x[b, i with t at a0] * y[b, j with t at a1]. */
    static double[] reference(float[] x, long[] xs, int a0, float[] y, long[] ys, int a1, boolean normalize, double floor) {
        double[] xd = normalized(x, xs, a0, normalize, floor);
        double[] yd = normalized(y, ys, a1, normalize, floor);
        long batch = xs[0];
        long k = xs[a0];
        long[] xOther = others(xs, a0);
        long[] yOther = others(ys, a1);
        long p = java.util.Arrays.stream(xOther).reduce(1, (u, v) -> u * v);
        long q = java.util.Arrays.stream(yOther).reduce(1, (u, v) -> u * v);
        double[] out = new double[(int) (batch * p * q)];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < p; i++) {
                for (int j = 0; j < q; j++) {
                    double s = 0;
                    for (int t = 0; t < k; t++) {
                        s += xd[at(xs, a0, b, i, t)] * yd[at(ys, a1, b, j, t)];
                    }
                    out[(int) ((b * p + i) * q + j)] = s;
                }
            }
        }
        return out;
    }

    private static long[] others(long[] s, int axis) {
        long[] o = new long[s.length - 2];
        int n = 0;
        for (int i = 1; i < s.length; i++) if (i != axis) o[n++] = s[i];
        return o;
    }

    /** The flat index of sample b, other-axes index i (row-major over the other axes) and t on the axis. */
    private static int at(long[] s, int axis, int b, int i, int t) {
        long[] idx = new long[s.length];
        idx[0] = b;
        idx[axis] = t;
        long rest = i;
        for (int d = s.length - 1; d >= 1; d--) {
            if (d == axis) continue;
            idx[d] = rest % s[d];
            rest /= s[d];
        }
        long flat = 0;
        for (int d = 0; d < s.length; d++) flat = flat * s[d] + idx[d];
        return (int) flat;
    }

    private static double[] normalized(float[] x, long[] s, int axis, boolean normalize, double floor) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        if (!normalize) return d;
        long k = s[axis];
        long p = x.length / s[0] / k;
        for (int b = 0; b < s[0]; b++) {
            for (int i = 0; i < p; i++) {
                double ss = 0;
                for (int t = 0; t < k; t++) ss += d[at(s, axis, b, i, t)] * d[at(s, axis, b, i, t)];
                double scale = 1 / Math.sqrt(Math.max(ss, floor));
                for (int t = 0; t < k; t++) d[at(s, axis, b, i, t)] *= scale;
            }
        }
        return d;
    }

    private static float[] random(Random r, long[] s) {
        int n = 1;
        for (long d : s) n *= (int) d;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    @Test
    void matchesBatchDotForEveryRankAndAxisPairing() throws Exception {
        Random r = new Random(3);
        record Case(long[] x, long[] y, String axes, int a0, int a1, long[] out) { }
        List<Case> cases = List.of(
                new Case(new long[] {3, 5}, new long[] {3, 5}, "1", 1, 1, new long[] {3, 1}),
                new Case(new long[] {3, 5}, new long[] {3, 5}, "-1", 1, 1, new long[] {3, 1}),
                new Case(new long[] {2, 4, 5}, new long[] {2, 6, 5}, "2", 2, 2, new long[] {2, 4, 6}),
                new Case(new long[] {2, 5, 4}, new long[] {2, 5, 6}, "1", 1, 1, new long[] {2, 4, 6}),
                new Case(new long[] {2, 4, 5}, new long[] {2, 5, 6}, "[2,1]", 2, 1, new long[] {2, 4, 6}),
                new Case(new long[] {2, 5, 4}, new long[] {2, 6, 5}, "[1,2]", 1, 2, new long[] {2, 4, 6}),
                new Case(new long[] {2, 4, 5}, new long[] {2, 5}, "[-1,-1]", 2, 1, new long[] {2, 4}),
                new Case(new long[] {2, 5}, new long[] {2, 6, 5}, "[1,2]", 1, 2, new long[] {2, 6}),
                new Case(new long[] {2, 3, 5, 4}, new long[] {2, 5, 2}, "[2,1]", 2, 1, new long[] {2, 3, 4, 2}),
                new Case(new long[] {2, 3, 4, 5}, new long[] {2, 2, 5, 3}, "[3,2]", 3, 2, new long[] {2, 3, 4, 2, 3}));
        for (Case c : cases) {
            for (boolean normalize : new boolean[] {false, true}) {
                String where = java.util.Arrays.toString(c.x) + " . " + java.util.Arrays.toString(c.y) + " axes " + c.axes
                        + (normalize ? " normalized" : "");
                try (Layer l = layer("{'axes':" + c.axes + ",'normalize':" + normalize + "}")) {
                    assertArrayEquals(c.out, l.computeOutputShape(List.of(c.x, c.y)), where);
                    float[] x = random(r, c.x);
                    float[] y = random(r, c.y);
                    double[] want = reference(x, c.x, c.a0, y, c.y, c.a1, normalize, 1e-12);
                    try (Tensor tx = Tensor.of(x, c.x); Tensor ty = Tensor.of(y, c.y); Tensor out = l.call(List.of(tx, ty))) {
                        assertArrayEquals(c.out, out.shape(), where);
                        float[] got = out.toFloatArray();
                        for (int i = 0; i < got.length; i++) {
                            assertEquals(want[i], got[i], 1e-5 + 1e-5 * Math.abs(want[i]), where + " value " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void cosineProximityOfParallelAndOppositeVectorsAndNan() throws Exception {
        try (Layer l = layer("{'axes':1,'normalize':true}");
             Tensor a = Tensor.of(new float[] {1, 2, 3, 1, 0, 0, Float.NaN, 1, 1}, 3, 3);
             Tensor b = Tensor.of(new float[] {2, 4, 6, -5, 0, 0, 1, 1, 1}, 3, 3); Tensor out = l.call(List.of(a, b))) {
            float[] y = out.toFloatArray();
            assertEquals(1f, y[0], 1e-6);
            assertEquals(-1f, y[1], 1e-6);
            assertTrue(Float.isNaN(y[2]), java.util.Arrays.toString(y));
        }
    }

    @Test
    void anEmptyContractedAxisSumsToZero() throws Exception {
        // batch_dot over an axis of length 0: every sum is empty (found by HostilePreprocessingProperties)
        try (Layer l = layer("{'axes':1,'normalize':true}"); Tensor a = Tensor.of(new float[0], 2, 0, 3);
             Tensor b = Tensor.of(new float[0], 2, 0, 4); Tensor out = l.call(List.of(a, b))) {
            assertArrayEquals(new long[] {2, 3, 4}, out.shape());
            assertArrayEquals(new float[24], out.toFloatArray(), 0f);
        }
    }

    @Test
    void configsAndRefusals() throws Exception {
        try (Layer a = layer("{'name':'dot','axes':[1,2],'normalize':true}"); Layer b = Layers.fromConfig(Layers.toConfig(a))) {
            assertEquals(Layers.toConfig(a), Layers.toConfig(b));
            assertEquals("[1,2]", Layers.toConfig(a).get("config").get("axes").toString());
        }
        try (Layer a = layer("{'name':'dot1','axes':-1}")) {
            assertEquals(-1, Layers.toConfig(a).get("config").get("axes").asInt());
        }
        String[][] refused = {
                {"{'axes':[1,2,3]}", "it should contain two elements"},
                {"{'axes':[1,'a']}", "list elements should be integers"},
                {"{'axes':'last'}", "Invalid type for argument `axes`"},
                {"{}", "Invalid type for argument `axes`"}};
        for (String[] c : refused) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        try (Layer l = layer("{'axes':1}")) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(List.of(new long[] {2, 4},
                    new long[] {2, 5})));
            assertTrue(e.getMessage().contains("Incompatible input shapes: axis values 4 (at axis 1) != 5 (at axis 1)"),
                    e.getMessage());
            var three = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(List.of(new long[] {2, 4},
                    new long[] {2, 4}, new long[] {2, 4})));
            assertTrue(three.getMessage().contains("should be called on a list of 2 inputs"), three.getMessage());
        }
        try (Layer l = layer("{'axes':0}")) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(List.of(new long[] {2, 4},
                    new long[] {2, 4})));
            assertTrue(e.getMessage().contains("Cannot perform batch_dot over axis 0"), e.getMessage());
        }
    }
}
