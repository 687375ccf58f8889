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
 * population variance over the normalized axes), Keras' documentation example, every combination
 * of center and scale, and the forms kdnn refuses.
 */
class LayerNormalizationTest {
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

    @Test
    void matchesItsDefinitionForTrailingAxesAndEveryCenterScale() throws Exception {
        Random r = new Random(9);
        long[] shape = {3, 4, 5, 6};
        String[] axes = {"-1", "[2,3]", "[-3,-2,-1]", "3"};
        int[] lengths = {6, 30, 120, 6};
        for (int k = 0; k < axes.length; k++) {
            for (int cs = 0; cs < 4; cs++) {
                boolean center = (cs & 1) == 0;
                boolean scale = (cs & 2) == 0;
                try (Layer l = layer("{'axis':" + axes[k] + ",'epsilon':0.001,'center':" + center + ",'scale':" + scale + "}")) {
                    l.build(shape);
                    int length = lengths[k];
                    List<Weight> ws = new ArrayList<>();
                    for (Weight w : l.getWeights()) {
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
                    for (int row = 0; row < x.length / length; row++) {
                        double mean = 0;
                        for (int j = 0; j < length; j++) mean += x[row * length + j];
                        mean /= length;
                        double var = 0;
                        for (int j = 0; j < length; j++) var += Math.pow(x[row * length + j] - mean, 2);
                        var /= length;
                        for (int j = 0; j < length; j++) {
                            double want = (x[row * length + j] - mean) / Math.sqrt(var + 0.001)
                                    * (gamma == null ? 1 : gamma[j]) + (beta == null ? 0 : beta[j]);
                            float g = got[row * length + j];
                            assertTrue(Math.abs(g - want) <= 2e-5 + 1e-5 * Math.abs(want),
                                    "axis " + axes[k] + " center " + center + " scale " + scale + " row " + row + " col " + j
                                            + ": " + g + " against " + want);
                        }
                    }
                }
            }
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
        try (Layer l = layer("{'axis':1}")) {
            var notLast = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 4, 8}));
            assertTrue(notLast.getMessage().contains("only over axes that end the shape"), notLast.getMessage());
        }
        var rms = assertThrows(IllegalArgumentException.class, () -> layer("{'rms_scaling':true}"));
        assertTrue(rms.getMessage().contains("`rms_scaling=True` is not supported"), rms.getMessage());
        var eps = assertThrows(IllegalArgumentException.class, () -> layer("{'epsilon':-1}"));
        assertTrue(eps.getMessage().contains("`epsilon` must be a non-negative number"), eps.getMessage());
    }
}
