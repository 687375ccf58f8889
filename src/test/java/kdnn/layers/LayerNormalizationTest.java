package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Keras' LayerNormalization against its definition computed in double (each sample's own mean and
 * population variance over the normalized axes, trailing or not, given in any order), Keras'
 * documentation example, every combination of center and scale, and the forms kdnn refuses.
 */
public class LayerNormalizationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'LayerNormalization','config':" + config + "}").replace('\'', '"')));
    }

    private static float[] run(Layer l, float[] x, long... shape) {
        try (Tensor in = Tensor.of(x, shape); Tensor y = l.call(in)) {
            return y.toFloatArray();
        }
    }

    @Test
    void kerasDocumentationExample() throws Exception {
        // LayerNormalization(axis=1) on [[0, 10], [20, 30], ..., [80, 90]]: each row to about [-1, 1]
        try (Layer l = layer("{'axis':1}")) {
            float[] x = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90};
            float[] y = run(l, x, 5, 2);
            for (int i = 0; i < y.length; i++) {
                assertEquals(i % 2 == 0 ? -5 / Math.sqrt(25.001) : 5 / Math.sqrt(25.001), y[i], 1e-6, "value " + i);
            }
        }
    }

    /**
     * The definition in double for a row-major {@code shape} normalized over {@code axes} (sorted):
     * gamma and beta are read row-major over the normalized axes, as Keras' reshape of them does.
     */
    public static double[] reference(float[] x, long[] shape, int[] axes, double epsilon, float[] gamma, float[] beta) {
        Slices s = Slices.of(shape, axes);
        int[] param = s.param();
        double[] y = new double[x.length];
        for (List<Integer> members : s.members()) {
            double[] m = moments(x, members);
            double mean = m[0];
            double var = m[1];
            for (int e : members) {
                y[e] = (x[e] - mean) / Math.sqrt(var + epsilon) * (gamma == null ? 1 : gamma[param[e]])
                        + (beta == null ? 0 : beta[param[e]]);
            }
        }
        return y;
    }

    @Test
    void matchesItsDefinitionForAnyAxesAndEveryCenterScale() throws Exception {
        Random r = new Random(9);
        long[] shape = {3, 4, 5, 6};
        String[] axes = {"-1", "[2,3]", "[-3,-2,-1]", "3", "1", "[1,3]", "2", "[1,2]", "[3,1]"};
        int[][] sorted = {{3}, {2, 3}, {1, 2, 3}, {3}, {1}, {1, 3}, {2}, {1, 2}, {1, 3}};
        int[][] weightShape = {{6}, {5, 6}, {4, 5, 6}, {6}, {4}, {4, 6}, {5}, {4, 5}, {6, 4}};
        for (int k = 0; k < axes.length; k++) {
            for (int cs = 0; cs < 4; cs++) {
                boolean center = (cs & 1) == 0;
                boolean scale = (cs & 2) == 0;
                try (Layer l = layer("{'axis':" + axes[k] + ",'epsilon':0.001,'center':" + center + ",'scale':" + scale + "}")) {
                    l.build(shape);
                    List<Weight> ws = new ArrayList<>();
                    for (Weight w : l.getWeights()) {
                        assertArrayEquals(weightShape[k], w.shape(), "axis " + axes[k] + ": " + w.name() + "'s shape");
                        float[] v = new float[w.values().length];
                        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
                        ws.add(new Weight(w.name(), w.shape(), v));
                    }
                    l.setWeights(ws);
                    float[] gamma = scale ? ws.get(0).values() : null;
                    float[] beta = center ? ws.get(scale ? 1 : 0).values() : null;
                    float[] x = new float[3 * 4 * 5 * 6];
                    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 20 + 7);
                    float[] got = run(l, x, shape);
                    double[] want = reference(x, shape, sorted[k], 0.001, gamma, beta);
                    for (int i = 0; i < got.length; i++) {
                        assertTrue(Math.abs(got[i] - want[i]) <= 2e-5 + 1e-5 * Math.abs(want[i]),
                                "axis " + axes[k] + " center " + center + " scale " + scale + " value " + i + ": " + got[i]
                                        + " against " + want[i]);
                    }
                }
            }
        }
    }

    /**
     * Keras 3's rms_scaling: {@code x * rsqrt(variance + epsilon) * gamma} (the variance, as Keras
     * computes it and its deprecation warning says), gamma whatever scale says, no beta whatever
     * center says; the input is not centred.
     */
    @Test
    void rmsScalingDividesTheInputByTheRootOfItsVariance() throws Exception {
        Random r = new Random(31);
        long[] shape = {3, 4, 5, 6};
        String[] axes = {"-1", "[2,3]", "1", "[3,1]"};
        int[][] sorted = {{3}, {2, 3}, {1}, {1, 3}};
        for (int k = 0; k < axes.length; k++) {
            for (boolean centerScale : new boolean[] {true, false}) {
                try (Layer l = layer("{'axis':" + axes[k] + ",'epsilon':0.01,'rms_scaling':true,'center':" + centerScale
                        + ",'scale':" + centerScale + "}")) {
                    l.build(shape);
                    assertEquals(List.of("gamma"), l.getWeights().stream().map(Weight::name).toList(), "axis " + axes[k]);
                    Weight w = l.getWeights().get(0);
                    float[] gamma = new float[w.values().length];
                    for (int i = 0; i < gamma.length; i++) gamma[i] = (float) r.nextGaussian();
                    l.setWeights(List.of(new Weight("gamma", w.shape(), gamma)));
                    float[] x = new float[3 * 4 * 5 * 6];
                    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 3 + 5);
                    float[] got = run(l, x, shape);
                    double[] want = varianceScaled(x, shape, sorted[k], 0.01, gamma);
                    for (int i = 0; i < got.length; i++) {
                        assertTrue(Math.abs(got[i] - want[i]) <= 1e-5 + 1e-5 * Math.abs(want[i]),
                                "axis " + axes[k] + " value " + i + ": " + got[i] + " against " + want[i]);
                    }
                }
            }
        }
        try (Layer a = layer("{'name':'rms','rms_scaling':true}"); Layer b = Layers.fromConfig(Layers.toConfig(a));
             Layer plain = layer("{'name':'ln'}")) {
            assertEquals(Layers.toConfig(a), Layers.toConfig(b));
            assertTrue(Layers.toConfig(a).path("config").path("rms_scaling").asBoolean(), Layers.toConfig(a).toString());
            // tf.keras has no rms_scaling: a layer without it does not write it
            assertTrue(Layers.toConfig(plain).path("config").path("rms_scaling").isMissingNode());
        }
    }

    /** {@code x / sqrt(variance + epsilon) * gamma} per slice, in double; gamma row-major over the sorted axes. */
    static double[] varianceScaled(float[] x, long[] shape, int[] axes, double epsilon, float[] gamma) {
        Slices s = Slices.of(shape, axes);
        double[] y = new double[x.length];
        for (List<Integer> members : s.members()) {
            double var = moments(x, members)[1];
            for (int e : members) y[e] = x[e] / Math.sqrt(var + epsilon) * (gamma == null ? 1 : gamma[s.param()[e]]);
        }
        return y;
    }

    /** A slice's mean and population variance, in double. */
    static double[] moments(float[] x, List<Integer> members) {
        double mean = 0;
        for (int e : members) mean += x[e];
        mean /= members.size();
        double var = 0;
        for (int e : members) var += Math.pow(x[e] - mean, 2);
        return new double[] {mean, var / members.size()};
    }

    /** The elements of each slice a row-major shape's normalized axes span, and each element's place in gamma. */
    record Slices(java.util.Collection<List<Integer>> members, int[] param) {
        static Slices of(long[] shape, int[] axes) {
            int rank = shape.length;
            boolean[] norm = new boolean[rank];
            for (int a : axes) norm[a] = true;
            long[] strides = new long[rank];
            strides[rank - 1] = 1;
            for (int i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
            long count = strides[0] * shape[0];
            java.util.Map<Long, List<Integer>> slices = new java.util.TreeMap<>();
            int[] param = new int[(int) count];
            for (int e = 0; e < count; e++) {
                long slice = 0;
                int p = 0;
                for (int i = 0; i < rank; i++) {
                    long c = (e / strides[i]) % shape[i];
                    if (norm[i]) p = (int) (p * shape[i] + c); else slice = slice * shape[i] + c;
                }
                param[e] = p;
                slices.computeIfAbsent(slice, k -> new ArrayList<>()).add(e);
            }
            return new Slices(slices.values(), param);
        }
    }

    @Test
    void aNanOrAnInfinityMakesItsRowNanAndOnlyIt() throws Exception {
        // TensorFlow: the row's mean is NaN or infinite, so every deviation and the variance are NaN
        for (String axis : new String[] {"-1", "1"}) {
            try (Layer l = layer("{'axis':" + axis + "}")) {
                float[] x = {1, 2, 3, Float.NaN, 5, 6, 7, 8, 9, 10, Float.POSITIVE_INFINITY, 12};
                long[] shape = axis.equals("-1") ? new long[] {3, 4} : new long[] {3, 4, 1};
                float[] y = run(l, x, shape);
                for (int i = 0; i < y.length; i++) {
                    assertEquals(i / 4 != 1, Float.isNaN(y[i]), "axis " + axis + " value " + i + ": " + y[i]);
                }
            }
        }
    }

    @Test
    void aSliceOfOneElementIsBeta() throws Exception {
        // its own mean, variance 0: (x - x) / sqrt(epsilon) * gamma + beta; oneDNN refuses a reduction that reduces
        // nothing, so this is a copy (found by HostilePreprocessingProperties)
        try (Layer l = layer("{'axis':-1}")) {
            l.build(new long[] {-1, 3, 1});
            l.setWeights(List.of(new Weight("gamma", new int[] {1}, new float[] {2}), new Weight("beta", new int[] {1},
                    new float[] {0.5f})));
            assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, run(l, new float[] {1, -7, 3}, 1, 3, 1), 0f);
        }
        try (Layer u = Layers.fromConfig(JSON.readTree("{\"class_name\":\"UnitNormalization\",\"config\":{}}"))) {
            assertArrayEquals(new float[] {1, -1, 1}, run(u, new float[] {2, -7, 1e-3f}, 1, 3, 1), 0f);
        }
    }

    @Test
    void configsRoundTripAndRefusals() throws Exception {
        try (Layer a = layer("{'name':'ln','axis':[-1],'epsilon':1e-6,'center':true,'scale':true,"
                + "'beta_initializer':'zeros','gamma_initializer':'ones'}");
             Layer b = Layers.fromConfig(Layers.toConfig(a))) {
            assertEquals(Layers.toConfig(a), Layers.toConfig(b));
            a.build(new long[] {-1, 4, 8});
            assertEquals(List.of("gamma", "beta"), a.getWeights().stream().map(Weight::name).toList());
            assertArrayEquals(new int[] {8}, a.getWeights().get(0).shape());
        }
        try (Layer l = layer("{'axis':[2,-1]}")) {
            var duplicate = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 4, 8}));
            assertTrue(duplicate.getMessage().contains("Duplicate axis: (2, 2)"), duplicate.getMessage());
        }
        try (Layer l = layer("{'axis':[0,1]}")) {
            var batch = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {4, 8}));
            assertTrue(batch.getMessage().contains("batch axis"), batch.getMessage());
        }
        try (Layer l = layer("{'axis':3}")) {
            var outside = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 4, 8}));
            assertTrue(outside.getMessage().contains("Invalid axis: 3"), outside.getMessage());
        }
        var eps = assertThrows(IllegalArgumentException.class, () -> layer("{'epsilon':-1}"));
        assertTrue(eps.getMessage().contains("`epsilon` must be a non-negative number"), eps.getMessage());
    }
}
