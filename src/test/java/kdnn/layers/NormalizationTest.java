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
 * Keras' Normalization: the examples of Keras' own documentation, bitwise TensorFlow's float32
 * steps ({@code (x - mean) / max(sqrt(variance), 1e-7)}) for several kept axes, statistics from the
 * config or from adapted weights, and Keras' refusals.
 */
class NormalizationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'Normalization','config':" + config + "}").replace('\'', '"')));
    }

    private static float[] run(Layer l, float[] x, long... shape) {
        try (Tensor in = Tensor.of(x, shape); Tensor y = l.call(in)) {
            return y.toFloatArray();
        }
    }

    private static List<Weight> adapted(Layer l, float[] mean, float[] variance) {
        List<Weight> w = l.getWeights();
        List<Weight> out = new ArrayList<>();
        out.add(new Weight("mean", w.get(0).shape(), mean));
        out.add(new Weight("variance", w.get(1).shape(), variance));
        out.add(new Weight("count", w.get(2).shape(), new float[] {4}));
        return out;
    }

    @Test
    void kerasDocumentationExamples() throws Exception {
        // Normalization(mean=3., variance=2.) on [[1.], [2.], [3.]]
        try (Layer l = layer("{'mean':3.0,'variance':2.0}")) {
            assertArrayEquals(new float[] {-1.4142135f, -0.70710677f, 0f}, run(l, new float[] {1, 2, 3}, 3, 1));
        }
        // adapted on [[0,7,4],[2,9,6],[0,7,4],[2,9,6]]: mean [1,8,5], variance [1,1,1]
        try (Layer l = layer("{'axis':-1}"); Layer inv = layer("{'axis':-1,'invert':true}")) {
            l.build(new long[] {-1, 3});
            inv.build(new long[] {-1, 3});
            assertEquals(List.of("mean", "variance", "count"), l.getWeights().stream().map(Weight::name).toList());
            assertArrayEquals(new int[0], l.getWeights().get(2).shape(), "count is a scalar");
            l.setWeights(adapted(l, new float[] {1, 8, 5}, new float[] {1, 1, 1}));
            inv.setWeights(adapted(inv, new float[] {1, 8, 5}, new float[] {1, 1, 1}));
            assertArrayEquals(new float[] {-1, -1, -1}, run(l, new float[] {0, 7, 4}, 1, 3));
            assertArrayEquals(new float[] {2, 10, 8}, run(inv, new float[] {1, 2, 3}, 1, 3));
        }
    }

    /** TensorFlow's steps in float32: subtract, sqrt, maximum, divide (invert: multiply, add). */
    private static float reference(float x, float mean, float variance, boolean invert) {
        float sd = (float) Math.sqrt(variance);
        float d = Float.isNaN(sd) ? sd : Math.max(sd, 1e-7f);
        return invert ? mean + x * d : (x - mean) / d;
    }

    @Test
    void bitwiseForEveryKeptAxisLayout() throws Exception {
        Random r = new Random(3);
        long[] shape = {2, 3, 4, 5};
        // axis config, the kept axes' shape, and how an input index maps to the statistics' index
        Object[][] cases = {
            {"-1", new int[] {5}},
            {"[1, 2]", new int[] {3, 4}},
            {"[-3, -1]", new int[] {3, 5}},
            {"null", new int[0]},
        };
        for (Object[] c : cases) {
            for (boolean invert : new boolean[] {false, true}) {
                try (Layer l = layer("{'axis':" + c[0] + ",'invert':" + invert + "}")) {
                    l.build(shape);
                    int[] stat = (int[]) c[1];
                    assertArrayEquals(stat, l.getWeights().get(0).shape(), c[0].toString());
                    int n = 1;
                    for (int s : stat) n *= s;
                    float[] mean = new float[n];
                    float[] variance = new float[n];
                    for (int i = 0; i < n; i++) {
                        mean[i] = (float) r.nextGaussian() * 10;
                        variance[i] = i == 0 ? 0 : i == 1 ? 1e-16f : (float) Math.abs(r.nextGaussian() * 7);
                    }
                    l.setWeights(adapted(l, mean, variance));
                    float[] x = new float[2 * 3 * 4 * 5];
                    for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian() * 100;
                    x[7] = Float.NaN;
                    x[8] = Float.POSITIVE_INFINITY;
                    x[9] = Float.NEGATIVE_INFINITY;
                    x[10] = -0f;
                    float[] got = run(l, x, shape);
                    for (int i = 0; i < x.length; i++) {
                        int[] idx = {i / 60, i / 20 % 3, i / 5 % 4, i % 5};
                        int k = switch (c[0].toString()) {
                            case "-1" -> idx[3];
                            case "[1, 2]" -> idx[1] * 4 + idx[2];
                            case "[-3, -1]" -> idx[1] * 5 + idx[3];
                            default -> 0;
                        };
                        float want = reference(x[i], mean[k], variance[k], invert);
                        assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got[i]),
                                "axis " + c[0] + " invert " + invert + " value " + i + " (x " + x[i] + ")");
                    }
                }
            }
        }
    }

    /**
     * An RGB image's three channels run as wide rows of the statistics repeated (Broadcasts): new
     * statistics set after calls, alone and inside a model's plan, reach every repeat.
     */
    @Test
    void newStatisticsAfterCallsReachEveryPixel() throws Exception {
        long[] shape = {2, 16, 12, 3};
        float[] x = new float[2 * 16 * 12 * 3];
        Random r = new Random(9);
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 255;
        float[][] means = {{120, 115, 100}, {-3, 0.5f, 7}};
        float[][] variances = {{3000, 2900, 3100}, {0.25f, 4, 1e-20f}};
        try (Layer l = layer("{'name':'n','axis':-1}");
             kdnn.model.Sequential m = kdnn.model.Sequential.of("m", List.of(l), -1, 16, 12, 3)) {
            l.build(shape);
            for (int round = 0; round < 2; round++) {
                l.setWeights(adapted(l, means[round], variances[round]));
                float[] alone = run(l, x, shape);
                float[] planned;
                try (Tensor in = Tensor.of(x, shape); Tensor y = m.predict(in)) {
                    planned = y.toFloatArray();
                }
                for (int i = 0; i < x.length; i++) {
                    float want = reference(x[i], means[round][i % 3], variances[round][i % 3], false);
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(alone[i]), "round " + round + " value " + i);
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(planned[i]), "model, round " + round + " value " + i);
                }
            }
        }
    }

    /** Statistics given in the config broadcast as Keras 3 aligns them: right to left over the kept axes. */
    @Test
    void configStatisticsBroadcastOverTheKeptAxes() throws Exception {
        try (Layer l = layer("{'axis':[1,3],'mean':[1,2,3],'variance':[4,4,16]}")) {
            float[] x = new float[2 * 2 * 3];
            for (int i = 0; i < x.length; i++) x[i] = i;
            float[] got = run(l, x, 1, 2, 2, 3);
            for (int i = 0; i < x.length; i++) {
                int c = i % 3;
                assertEquals(reference(x[i], c + 1, c == 2 ? 16 : 4, false), got[i], "value " + i);
            }
            assertTrue(l.getWeights().isEmpty(), "no weights when the config holds the statistics");
            assertEquals("[1,2,3]", Layers.toConfig(l).get("config").get("mean").toString());
        }
        // the kept axes' own lengths must take the statistics, as Keras' broadcast does
        try (Layer l = layer("{'axis':[1,2],'mean':[1,2,3],'variance':[4,4,16]}")) {
            var e = assertThrows(IllegalArgumentException.class, () -> run(l, new float[12], 1, 2, 2, 3));
            assertTrue(e.getMessage().contains("does not broadcast to the kept axes (1, 2) of length (2, 2)"), e.getMessage());
        }
    }

    @Test
    void kerasRefusals() throws Exception {
        var one = assertThrows(IllegalArgumentException.class, () -> layer("{'mean':1.0}"));
        assertTrue(one.getMessage().contains("both `mean` and `variance` must be set"), one.getMessage());
        var shapes = assertThrows(IllegalArgumentException.class, () -> layer("{'mean':[1,2],'variance':[1,2,3]}"));
        assertTrue(shapes.getMessage().contains("must have the same shape"), shapes.getMessage());
        var rank = assertThrows(IllegalArgumentException.class, () -> layer("{'axis':-1,'mean':[[1]],'variance':[[1]]}"));
        assertTrue(rank.getMessage().contains("The rank of `mean` must be less than or equal to the number of axes (1)"),
                rank.getMessage());
        try (Layer l = layer("{'axis':3}")) {
            var range = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 4}));
            assertTrue(range.getMessage().contains("All `axis` values must be in the range [-ndim, ndim)"), range.getMessage());
        }
        try (Layer l = layer("{'axis':1}")) {
            var unknown = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, -1, 3}));
            assertTrue(unknown.getMessage().contains("must have a known shape"), unknown.getMessage());
            l.build(new long[] {-1, 4, 3});
            var other = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(new long[] {1, 5, 3}));
            assertTrue(other.getMessage().contains("expected axis 1 of input shape to have value 4"), other.getMessage());
        }
    }
}
