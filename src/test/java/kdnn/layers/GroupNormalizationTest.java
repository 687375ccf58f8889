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
 * Keras' GroupNormalization against its definition computed in double: each sample's group of
 * consecutive channels normalized by the group's mean and population variance over the group's
 * channels and every other non-batch axis, then gamma and beta per channel. Channel axes last,
 * first and in the middle, groups from one to one per channel, every combination of center and
 * scale, and Keras' refusals.
 */
public class GroupNormalizationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'GroupNormalization','config':" + config + "}").replace('\'', '"')));
    }

    /** The definition in double: {@code (x - mean) / sqrt(variance + epsilon) * gamma + beta} per group. */
    public static double[] reference(float[] x, long[] shape, int axis, int groups, double epsilon, float[] gamma, float[] beta) {
        int a = axis < 0 ? axis + shape.length : axis;
        long channels = shape[a];
        long after = 1;
        for (int i = a + 1; i < shape.length; i++) after *= shape[i];
        long perSample = x.length / shape[0];
        long per = channels / groups;
        double[] y = new double[x.length];
        for (int n = 0; n < shape[0]; n++) {
            for (int g = 0; g < groups; g++) {
                double sum = 0;
                long count = 0;
                for (long i = 0; i < perSample; i++) {
                    long c = (i / after) % channels;
                    if (c / per == g) { sum += x[(int) (n * perSample + i)]; count++; }
                }
                double mean = sum / count;
                double var = 0;
                for (long i = 0; i < perSample; i++) {
                    long c = (i / after) % channels;
                    if (c / per == g) var += Math.pow(x[(int) (n * perSample + i)] - mean, 2);
                }
                var /= count;
                for (long i = 0; i < perSample; i++) {
                    int c = (int) ((i / after) % channels);
                    if (c / per != g) continue;
                    int at = (int) (n * perSample + i);
                    y[at] = (x[at] - mean) / Math.sqrt(var + epsilon) * (gamma == null ? 1 : gamma[c]) + (beta == null ? 0 : beta[c]);
                }
            }
        }
        return y;
    }

    private static List<Weight> randomWeights(Layer l, Random r) {
        List<Weight> ws = new ArrayList<>();
        for (Weight w : l.getWeights()) {
            float[] v = new float[w.values().length];
            for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
            ws.add(new Weight(w.name(), w.shape(), v));
        }
        return ws;
    }

    @Test
    void matchesItsDefinitionOnEveryAxisGroupingAndCenterScale() throws Exception {
        Random r = new Random(17);
        record Case(long[] shape, int axis, int groups) { }
        List<Case> cases = List.of(
                new Case(new long[] {2, 5, 4, 8}, -1, 4),    // channels last, the common form
                new Case(new long[] {2, 5, 4, 8}, -1, 1),    // one group: the whole sample
                new Case(new long[] {2, 5, 4, 8}, -1, -1),   // one channel a group (instance normalization)
                new Case(new long[] {2, 6, 3, 4}, 1, 3),     // channels first
                new Case(new long[] {2, 3, 6, 4}, 2, 2),     // a middle axis: axes before and after it
                new Case(new long[] {3, 12}, -1, 4),         // after a Dense
                new Case(new long[] {2, 7, 6}, -1, 6),       // a sequence
                new Case(new long[] {1, 2, 3, 3, 4}, 4, 2)); // a volume
        for (Case k : cases) {
            for (int cs = 0; cs < 4; cs++) {
                boolean center = (cs & 1) == 0;
                boolean scale = (cs & 2) == 0;
                String where = "shape " + java.util.Arrays.toString(k.shape) + " axis " + k.axis + " groups " + k.groups
                        + " center " + center + " scale " + scale;
                try (Layer l = layer("{'groups':" + k.groups + ",'axis':" + k.axis + ",'epsilon':0.001,'center':" + center
                        + ",'scale':" + scale + "}")) {
                    l.build(k.shape);
                    List<Weight> ws = randomWeights(l, r);
                    l.setWeights(ws);
                    float[] gamma = scale ? ws.get(0).values() : null;
                    float[] beta = center ? ws.get(scale ? 1 : 0).values() : null;
                    int count = 1;
                    for (long d : k.shape) count *= (int) d;
                    float[] x = new float[count];
                    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 5 + 3);
                    int a = k.axis < 0 ? k.axis + k.shape.length : k.axis;
                    int groups = k.groups == -1 ? (int) k.shape[a] : k.groups;
                    double[] want = reference(x, k.shape, k.axis, groups, 0.001, gamma, beta);
                    try (Tensor in = Tensor.of(x, k.shape); Tensor y = l.call(in)) {
                        float[] got = y.toFloatArray();
                        for (int i = 0; i < got.length; i++) {
                            assertTrue(Math.abs(got[i] - want[i]) <= 2e-5 + 1e-5 * Math.abs(want[i]),
                                    where + " value " + i + ": " + got[i] + " against " + want[i]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aGroupHoldingNanOrInfinityIsNanAndTheOtherGroupsAreNot() throws Exception {
        try (Layer l = layer("{'groups':2}")) {
            float[] x = new float[2 * 3 * 4];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
            x[1] = Float.NaN;                       // sample 0, channels 0-1: group 0
            x[12 + 4 * 2 + 3] = Float.POSITIVE_INFINITY; // sample 1, position 2, channel 3: group 1
            try (Tensor in = Tensor.of(x, 2, 3, 4); Tensor y = l.call(in)) {
                float[] got = y.toFloatArray();
                for (int n = 0; n < 2; n++) {
                    for (int i = 0; i < 12; i++) {
                        int group = (i % 4) / 2;
                        boolean poisoned = n == 0 && group == 0 || n == 1 && group == 1;
                        float v = got[n * 12 + i];
                        assertEquals(poisoned, Float.isNaN(v), "sample " + n + " value " + i + ": " + v);
                    }
                }
            }
        }
    }

    @Test
    void configsRoundTripWeightsAndRefusals() throws Exception {
        try (Layer a = layer("{'name':'gn','groups':4,'axis':-1,'epsilon':1e-5,'center':true,'scale':true,"
                + "'beta_initializer':'zeros','gamma_initializer':'ones','beta_regularizer':null,'gamma_regularizer':null,"
                + "'beta_constraint':null,'gamma_constraint':null}");
             Layer b = Layers.fromConfig(Layers.toConfig(a))) {
            assertEquals(Layers.toConfig(a), Layers.toConfig(b));
            a.build(new long[] {-1, 4, 8});
            assertEquals(List.of("gamma", "beta"), a.getWeights().stream().map(Weight::name).toList());
            assertArrayEquals(new int[] {8}, a.getWeights().get(0).shape());
            assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1}, a.getWeights().get(0).values());
        }
        try (Layer noAffine = layer("{'center':false,'scale':false,'groups':2}")) {
            noAffine.build(new long[] {-1, 4});
            assertTrue(noAffine.getWeights().isEmpty());
        }
        try (Layer l = layer("{'groups':5}")) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 4, 8}));
            assertTrue(e.getMessage().contains("Number of groups (5) must be a multiple of the number of channels (8)."),
                    e.getMessage());
        }
        try (Layer l = layer("{}")) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 4, 8}));
            assertTrue(e.getMessage().contains("Number of groups (32) cannot be more than the number of channels (8)."),
                    e.getMessage());
        }
        try (Layer l = layer("{'groups':2,'axis':3}")) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 4, 8}));
            assertTrue(e.getMessage().contains("Axis 3 is out of bounds for input shape"), e.getMessage());
        }
        try (Layer l = layer("{'groups':2,'axis':1}")) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, -1, 8}));
            assertTrue(e.getMessage().contains("Axis 1 of input tensor should have a defined dimension"), e.getMessage());
        }
        try (Layer l = layer("{'groups':2,'axis':0}")) {
            var e = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {4, 8}));
            assertTrue(e.getMessage().contains("batch axis"), e.getMessage());
        }
        try (Layer l = layer("{'groups':-1}")) {
            // Keras divides by the channel count here (ZeroDivisionError); found by HostilePreprocessingProperties
            var empty = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 4, 0}));
            assertTrue(empty.getMessage().contains("is empty"), empty.getMessage());
        }
        var zero = assertThrows(IllegalArgumentException.class, () -> layer("{'groups':0}"));
        assertTrue(zero.getMessage().contains("Received: groups=0"), zero.getMessage());
        var eps = assertThrows(IllegalArgumentException.class, () -> layer("{'epsilon':-1}"));
        assertTrue(eps.getMessage().contains("`epsilon` must be a non-negative number"), eps.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class, () -> layer("{'groups':2,'momentum':0.9}"));
        assertTrue(unknown.getMessage().contains("momentum"), unknown.getMessage());
    }
}
