package kdnn.keras;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ConstraintsTest {
    private static final double EPS = 1e-7;

    private static JsonNode json(String s) {
        return KerasJson.parse(s.replace('\'', '"'));
    }

    // 2 x 3, columns have norms 5, 0, sqrt(2); rows sqrt(10), sqrt(17)
    private static final int[] M_SHAPE = {2, 3};
    private static final float[] M = {3, 0, 1, 4, 0, 1};

    @Test
    void maxNormOverColumnsByDefault() {
        float[] out = Constraints.get("max_norm").apply(M, M_SHAPE);
        double s0 = 2 / (EPS + 5), s2 = Math.sqrt(2) / (EPS + Math.sqrt(2));
        assertArrayEquals(new float[] {(float) (3 * s0), 0, (float) s2, (float) (4 * s0), 0, (float) s2}, out, 1e-6f);
        assertArrayEquals(new float[] {3, 0, 1, 4, 0, 1}, M, "input untouched");
    }

    @Test
    void unitNormOverRowsWithAxisOne() {
        float[] out = Constraints.get(json("{'class_name':'UnitNorm','config':{'axis':1}}")).apply(M, M_SHAPE);
        double r0 = Math.sqrt(10) + EPS, r1 = Math.sqrt(17) + EPS;
        assertArrayEquals(new float[] {(float) (3 / r0), 0, (float) (1 / r0), (float) (4 / r1), 0, (float) (1 / r1)},
                out, 1e-6f);
        // axis -1 is the same axis for a 2D weight
        assertArrayEquals(out, new UnitNorm(Axes.of(-1)).apply(M, M_SHAPE));
    }

    @Test
    void minMaxNormBlendsByRate() {
        // columns: norm 5 -> clip to 2, desired 0.5*2 + 0.5*5 = 3.5; norm sqrt2 stays
        float[] out = new MinMaxNorm(0.5, 2.0, 0.5, Axes.of(0)).apply(M, M_SHAPE);
        double s0 = 3.5 / (EPS + 5), s2 = Math.sqrt(2) / (EPS + Math.sqrt(2));
        assertArrayEquals(new float[] {(float) (3 * s0), 0, (float) s2, (float) (4 * s0), 0, (float) s2}, out, 1e-6f);
        // min side: scale a small column up to min_value with rate 1
        float[] up = new MinMaxNorm(3.0, 4.0, 1.0, Axes.of(0)).apply(new float[] {0.6f, 0.8f}, new int[] {2, 1});
        assertArrayEquals(new float[] {1.8f, 2.4f}, up, 1e-5f);
    }

    @Test
    void nonNegZeroesNegatives() {
        float[] out = Constraints.get("non_neg").apply(new float[] {-1, 0, 2.5f, -0.1f}, new int[] {4});
        assertArrayEquals(new float[] {0, 0, 2.5f, 0}, out, 0f);
    }

    /** Per output filter of a (3,3,2,4) kernel: the 18 values with the same last index. */
    private static double[] filterNorms(float[] w) {
        double[] n = new double[4];
        for (int i = 0; i < w.length; i++) n[i % 4] += (double) w[i] * w[i];
        for (int o = 0; o < 4; o++) n[o] = Math.sqrt(n[o]);
        return n;
    }

    @Test
    void convKernelFilterNormsWithAxisList() {
        int[] shape = {3, 3, 2, 4};
        // every value of filter o equals o+1: norms (o+1)*sqrt(18) = 4.24, 8.49, 12.7, 17.0
        float[] w = new float[72];
        for (int i = 0; i < 72; i++) w[i] = (i % 4) + 1;
        Constraint maxNorm = Constraints.get(json("{'class_name':'MaxNorm','config':{'max_value':5,'axis':[0,1,2]}}"));
        float[] out = maxNorm.apply(w, shape);
        float keep = (float) (1 * Math.sqrt(18) / (Math.sqrt(18) + EPS));
        float capped = (float) (5 / Math.sqrt(18)); // each value of a filter rescaled to norm 5
        for (int i = 0; i < 72; i++) {
            float expected = i % 4 == 0 ? keep : (float) ((i % 4 + 1) * 5 / ((i % 4 + 1) * Math.sqrt(18) + EPS));
            assertEquals(expected, out[i], 1e-6f, "index " + i);
        }
        assertEquals(capped, out[1], 1e-6f);
        // negative axes count from the end
        assertArrayEquals(out, new MaxNorm(5, Axes.ofList(-4, -3, -2)).apply(w, shape));

        // random kernel: unit norm per filter, compared with an independent loop
        Random rnd = new Random(1);
        float[] r = new float[72];
        for (int i = 0; i < 72; i++) r[i] = (float) rnd.nextGaussian();
        double[] n = filterNorms(r);
        float[] unit = new UnitNorm(Axes.ofList(0, 1, 2)).apply(r, shape);
        for (int i = 0; i < 72; i++) assertEquals(r[i] / (EPS + n[i % 4]), unit[i], 1e-6, "index " + i);
        for (double norm : filterNorms(unit)) assertEquals(1.0, norm, 1e-5);

        float[] mm = new MinMaxNorm(0.0, 1.0, 0.25, Axes.ofList(0, 1, 2)).apply(r, shape);
        for (int i = 0; i < 72; i++) {
            double nn = n[i % 4], desired = 0.25 * Math.min(nn, 1.0) + 0.75 * nn;
            assertEquals(r[i] * desired / (EPS + nn), mm[i], 1e-5, "index " + i);
        }
    }

    @Test
    void convKernelLastAxisNormsAcrossFilters() {
        int[] shape = {3, 3, 2, 4};
        Random rnd = new Random(2);
        float[] r = new float[72];
        for (int i = 0; i < 72; i++) r[i] = (float) rnd.nextGaussian();
        float[] out = new UnitNorm(Axes.of(-1)).apply(r, shape);
        for (int g = 0; g < 18; g++) { // each (k1,k2,in) position holds 4 consecutive values
            double s = 0;
            for (int o = 0; o < 4; o++) s += (double) r[g * 4 + o] * r[g * 4 + o];
            double norm = Math.sqrt(s);
            for (int o = 0; o < 4; o++) assertEquals(r[g * 4 + o] / (EPS + norm), out[g * 4 + o], 1e-6);
        }
    }

    @Test
    void serializedFormsAndRoundTrips() {
        assertEquals(json("{'class_name':'MaxNorm','config':{'max_value':2.0,'axis':0}}"), Constraints.get("MaxNorm").toConfig());
        assertEquals(json("{'class_name':'MinMaxNorm','config':{'min_value':0.0,'max_value':1.0,'rate':1.0,'axis':0}}"),
                Constraints.get("min_max_norm").toConfig());
        assertEquals(json("{'class_name':'NonNeg','config':{}}"), Constraints.get("NonNeg").toConfig());
        assertEquals(json("{'class_name':'UnitNorm','config':{'axis':[0,1,2]}}"),
                new UnitNorm(Axes.ofList(0, 1, 2)).toConfig());
        for (Constraint c : List.of(new MaxNorm(3, Axes.ofList(0, 1, 2)), new MaxNorm(), new NonNeg(),
                new UnitNorm(Axes.of(-1)), new MinMaxNorm(0.5, 1.5, 0.7, Axes.ofList(1)), new MinMaxNorm())) {
            assertEquals(c.toConfig(), Constraints.get(c.toConfig()).toConfig(), c.toString());
            assertEquals(c, Constraints.get(KerasJson.parse(c.toConfig().toString())), c.toString());
        }
        for (String alias : List.of("max_norm", "non_neg", "unit_norm", "min_max_norm")) {
            assertNotNull(Constraints.get(alias));
        }
        assertNull(Constraints.get((JsonNode) null));
        assertNull(Constraints.get(json("null")));
    }

    @Test
    void refusalsNameArgumentAndValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> Constraints.get("maxnorm"));
        assertTrue(e.getMessage().startsWith("Unknown constraint: 'maxnorm'. Expected one of [")
                && e.getMessage().contains("max_norm"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Constraints.get(json("{'class_name':'MaxNorm','config':{'m':2}}")));
        assertTrue(e.getMessage().contains("'m'") && e.getMessage().contains("max_value"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Constraints.get(json("{'class_name':'UnitNorm','config':{'axis':'rows'}}")));
        assertTrue(e.getMessage().contains("'axis'") && e.getMessage().contains("\"rows\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new UnitNorm(Axes.of(4)).apply(new float[72], new int[] {3, 3, 2, 4}));
        assertTrue(e.getMessage().contains("axis 4") && e.getMessage().contains("rank 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new NonNeg().apply(new float[3], new int[] {2, 2}));
        assertTrue(e.getMessage().contains("3") && e.getMessage().contains("(2, 2)"), e.getMessage());
    }
}
