package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.List;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/**
 * TimeDistributed: its layer on every step of the second axis, as the same layer (same weights)
 * called on each step alone; weights read and set through the wrapper; config round trip; Keras'
 * refusals.
 */
class TimeDistributedTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(config.replace('\'', '"')));
    }

    private static float[] values(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) Math.sin(i * 0.37) * 2;
        return x;
    }

    /** Each step of x (batch, time, rest...) through {@code single}, stacked back in order. */
    private static float[] stepByStep(Layer single, float[] x, long[] shape) {
        long[] step = new long[shape.length - 1];
        step[0] = 1;
        System.arraycopy(shape, 2, step, 1, shape.length - 2);
        int stepSize = (int) (x.length / (shape[0] * shape[1]));
        float[] out = null;
        int at = 0;
        for (int s = 0; s < shape[0] * shape[1]; s++) {
            try (Tensor in = Tensor.of(Arrays.copyOfRange(x, s * stepSize, (s + 1) * stepSize), step); Tensor y = single.call(in)) {
                float[] v = y.toFloatArray();
                if (out == null) out = new float[v.length * (int) (shape[0] * shape[1])];
                System.arraycopy(v, 0, out, at, v.length);
                at += v.length;
            }
        }
        return out;
    }

    @Test
    void eachStepAsTheLayerAloneWithTheSameWeights() throws Exception {
        String[][] cases = {
            {"{'class_name':'Conv2D','config':{'name':'c','filters':5,'kernel_size':3,'padding':'same','activation':'relu',"
                + "'bias_initializer':{'class_name':'RandomNormal','config':{'seed':2}}}}", "2,3,6,7,4"},
            {"{'class_name':'Dense','config':{'name':'d','units':6,'activation':'tanh'}}", "2,5,7"},
            {"{'class_name':'MaxPooling2D','config':{'name':'p','pool_size':2}}", "2,3,6,6,3"},
            {"{'class_name':'BatchNormalization','config':{'name':'b','moving_mean_initializer':{'class_name':'RandomNormal',"
                + "'config':{'seed':5}}}}", "3,2,4,5"}};
        for (String[] c : cases) {
            long[] shape = Arrays.stream(c[1].split(",")).mapToLong(Long::parseLong).toArray();
            int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            float[] x = values(n);
            try (Layer td = layer("{'class_name':'TimeDistributed','config':{'name':'td','layer':" + c[0] + "}}");
                 Layer single = layer(c[0]); Tensor in = Tensor.of(x, shape)) {
                td.build(shape);
                long[] step = new long[shape.length - 1];
                step[0] = -1;
                System.arraycopy(shape, 2, step, 1, shape.length - 2);
                single.build(step);
                single.setWeights(td.getWeights());
                try (Tensor y = td.call(in)) {
                    long[] inner = single.computeOutputShape(step);
                    assertEquals(shape[0], y.shape()[0]);
                    assertEquals(shape[1], y.shape()[1]);
                    assertArrayEquals(Arrays.copyOfRange(inner, 1, inner.length), Arrays.copyOfRange(y.shape(), 2, y.shape().length));
                    assertArrayEquals(stepByStep(single, x, shape), y.toFloatArray(), 1e-6f, c[0]);
                }
                // weights set through the wrapper reach its layer's computation
                List<Weight> w = td.getWeights();
                if (!w.isEmpty()) {
                    float[] changed = w.get(0).values().clone();
                    for (int i = 0; i < changed.length; i++) changed[i] = changed[i] * 0.5f + 0.01f;
                    List<Weight> next = new java.util.ArrayList<>(w);
                    next.set(0, new Weight(w.get(0).name(), w.get(0).shape(), changed));
                    td.setWeights(next);
                    single.setWeights(next);
                    try (Tensor y = td.call(in)) {
                        assertArrayEquals(stepByStep(single, x, shape), y.toFloatArray(), 1e-6f, c[0] + " after set_weights");
                    }
                }
            }
        }
    }

    /** In `keras` mode a NaN meets the wrapped convolution's relu as it meets the layer alone: NaN, not 0. */
    @Test
    void kerasModeExtremesAsTheLayerAlone() throws Exception {
        String conv = "{'class_name':'Conv2D','config':{'name':'c','filters':3,'kernel_size':1,'activation':'relu'}}";
        long[] shape = {1, 2, 3, 3, 2};
        float[] x = values(36);
        x[7] = Float.NaN;
        x[20] = Float.POSITIVE_INFINITY;
        try (Layer td = layer("{'class_name':'TimeDistributed','config':{'name':'td','layer':" + conv + "}}");
             Layer single = layer(conv); Tensor in = Tensor.of(x, shape)) {
            td.build(shape);
            single.build(-1, 3, 3, 2);
            single.setWeights(td.getWeights());
            td.setExtremes(ExtremeValues.KERAS);
            single.setExtremes(ExtremeValues.KERAS);
            try (Tensor y = td.call(in)) {
                float[] want = stepByStep(single, x, shape);
                float[] got = y.toFloatArray();
                boolean nan = false;
                for (int i = 0; i < want.length; i++) {
                    assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), "value " + i);
                    nan |= Float.isNaN(got[i]);
                }
                assertTrue(nan, "Keras' NaN kept");
            }
        }
    }

    @Test
    void configRoundTripAndRefusals() throws Exception {
        try (Layer td = layer("{'class_name':'TimeDistributed','config':{'name':'td','layer':{'class_name':'Dense',"
                + "'config':{'name':'d','units':3}}}}")) {
            try (Layer back = Layers.fromConfig(Layers.toConfig(td))) {
                assertEquals(Layers.toConfig(td), Layers.toConfig(back));
            }
            var e = assertThrows(IllegalArgumentException.class, () -> td.computeOutputShape(new long[] {2, 4}));
            assertTrue(e.getMessage().contains("should be passed an `input_shape` with at least 3 dimensions"), e.getMessage());
            td.build(-1, 4, 5);
            assertEquals(List.of("kernel", "bias"), td.getWeights().stream().map(Weight::name).toList());
            assertEquals(18, td.countParams());
        }
        var missing = assertThrows(IllegalArgumentException.class, () -> layer("{'class_name':'TimeDistributed','config':{}}"));
        assertTrue(missing.getMessage().contains("needs the argument `layer`"), missing.getMessage());
        var merge = assertThrows(IllegalArgumentException.class, () -> layer("{'class_name':'TimeDistributed','config':{"
                + "'layer':{'class_name':'Add','config':{}}}}"));
        assertTrue(merge.getMessage().contains("single-input Keras layer"), merge.getMessage());
        var bad = assertThrows(IllegalArgumentException.class, () -> layer("{'class_name':'TimeDistributed','config':{"
                + "'layer':{'class_name':'Dense','config':{'units':0}}}}"));
        assertTrue(bad.getMessage().contains("units"), bad.getMessage());
    }
}
