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
 * Keras 3's RMSNormalization against its definition in double, {@code (x * rsqrt(mean(x * x) +
 * epsilon)) * scale}, with the scale broadcast as NumPy broadcasts it against the input's last axes.
 */
public class RMSNormalizationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'RMSNormalization','config':" + config + "}").replace('\'', '"')));
    }

    private static float[] run(Layer l, float[] x, long... shape) {
        try (Tensor in = Tensor.of(x, shape); Tensor y = l.call(in)) {
            return y.toFloatArray();
        }
    }

    /**
     * The definition: each slice's mean square over {@code axes}; the scale, of {@code scaleShape},
     * multiplies against the input's last axes.
     */
    public static double[] reference(float[] x, long[] shape, int[] axes, double epsilon, float[] scale, long[] scaleShape) {
        LayerNormalizationTest.Slices s = LayerNormalizationTest.Slices.of(shape, axes);
        double[] y = new double[x.length];
        long trailing = 1;
        for (long d : scaleShape) trailing *= d;
        for (List<Integer> members : s.members()) {
            double ms = 0;
            for (int e : members) ms += (double) x[e] * x[e];
            ms /= members.size();
            for (int e : members) y[e] = x[e] / Math.sqrt(ms + epsilon) * scale[(int) (e % trailing)];
        }
        return y;
    }

    @Test
    void matchesItsDefinition() throws Exception {
        Random r = new Random(5);
        // axes that end the shape; and axis 1 of a shape whose last axis has its length, where Keras'
        // product lines the scale up with the last axis, not the normalized one
        long[][] shapes = {{3, 4, 5, 6}, {3, 4, 5, 6}, {3, 4, 5, 6}, {2, 6, 5, 6}, {4, 7}};
        String[] axes = {"-1", "[2,3]", "[-2,-1]", "1", "1"};
        int[][] sorted = {{3}, {2, 3}, {2, 3}, {1}, {1}};
        long[][] scaleShapes = {{6}, {5, 6}, {5, 6}, {6}, {7}};
        for (int k = 0; k < axes.length; k++) {
            try (Layer l = layer("{'axis':" + axes[k] + ",'epsilon':0.001}")) {
                l.build(shapes[k]);
                Weight w = l.getWeights().get(0);
                assertEquals("scale", w.name());
                assertArrayEquals(java.util.Arrays.stream(scaleShapes[k]).mapToInt(v -> (int) v).toArray(), w.shape());
                float[] scale = new float[w.values().length];
                for (int i = 0; i < scale.length; i++) scale[i] = (float) r.nextGaussian();
                l.setWeights(List.of(new Weight("scale", w.shape(), scale)));
                int n = (int) java.util.Arrays.stream(shapes[k]).reduce(1, (a, b) -> a * b);
                float[] x = new float[n];
                for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * 4 + 1);
                float[] got = run(l, x, shapes[k]);
                double[] want = reference(x, shapes[k], sorted[k], 0.001, scale, scaleShapes[k]);
                for (int i = 0; i < n; i++) {
                    assertTrue(Math.abs(got[i] - want[i]) <= 1e-5 + 1e-5 * Math.abs(want[i]),
                            "axis " + axes[k] + " value " + i + ": " + got[i] + " against " + want[i]);
                }
            }
        }
    }

    @Test
    void zerosStayZeroAndNanSpreadsOverItsSlice() throws Exception {
        try (Layer l = layer("{}")) {
            // a slice of zeros: 0 * rsqrt(epsilon) = 0; a NaN makes its slice's mean square NaN
            float[] y = run(l, new float[] {0, 0, 0, 1, Float.NaN, 2}, 2, 3);
            assertArrayEquals(new float[] {0, 0, 0}, java.util.Arrays.copyOf(y, 3), 0f);
            for (int i = 3; i < 6; i++) assertTrue(Float.isNaN(y[i]), "value " + i + ": " + y[i]);
        }
    }

    @Test
    void configsRoundTripAndRefusals() throws Exception {
        try (Layer a = layer("{'name':'rms','axis':[-1],'epsilon':1e-5}"); Layer b = Layers.fromConfig(Layers.toConfig(a))) {
            assertEquals(Layers.toConfig(a), Layers.toConfig(b));
            assertEquals(1e-5, ((RMSNormalization) a).epsilon());
        }
        try (Layer l = layer("{}")) {
            assertEquals(1e-6, ((RMSNormalization) l).epsilon());
        }
        try (Layer l = layer("{'axis':1}")) {
            // the scale (4,) against the last axis (6): Keras' product fails
            var e = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 4, 5, 6}));
            assertTrue(e.getMessage().contains("its scale, of shape (4,)") && e.getMessage().contains("fails"), e.getMessage());
        }
        try (Layer l = layer("{'axis':1}")) {
            // against a last axis of length 1 the product would change the output's shape
            var e = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 4, 1}));
            assertTrue(e.getMessage().contains("change the output's shape"), e.getMessage());
        }
        try (Layer l = layer("{'axis':[0,1]}")) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {4, 8}));
            assertTrue(e.getMessage().contains("batch axis"), e.getMessage());
        }
        try (Layer l = layer("{}")) {
            // built: its scale has 4 values; an input of 8 channels is refused, not read past the scale
            l.build(new long[] {-1, 3, 4});
            var e = assertThrows(IllegalArgumentException.class, () -> l.computeOutputShape(new long[] {-1, 3, 8}));
            assertTrue(e.getMessage().contains("expected axis 2 of input shape to have value 4"), e.getMessage());
            try (kdnn.Tensor x = kdnn.Tensor.of(new float[48], 2, 3, 8)) {
                assertThrows(IllegalArgumentException.class, () -> l.call(x));
            }
            assertEquals(3, l.computeOutputShape(new long[] {5, 3, 4}).length, "another batch is fine");
        }
        var eps = assertThrows(IllegalArgumentException.class, () -> layer("{'epsilon':-1}"));
        assertTrue(eps.getMessage().contains("`epsilon` must be a non-negative number"), eps.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class, () -> layer("{'center':true}"));
        assertTrue(unknown.getMessage().contains("center"), unknown.getMessage());
    }
}
