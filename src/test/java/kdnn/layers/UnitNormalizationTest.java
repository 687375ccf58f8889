package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.model.Sequential;
import org.junit.jupiter.api.Test;

/**
 * Keras' UnitNormalization against {@code x * rsqrt(max(sum(x * x), 1e-12))} computed in double,
 * over trailing and other axes, Keras' documentation example, the floor for tiny vectors, NaN and
 * infinities as TensorFlow gives them, and in a model ({@code GroupNormalizationFilesTest} writes
 * and reads one in every format).
 */
public class UnitNormalizationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer layer(String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name':'UnitNormalization','config':" + config + "}").replace('\'', '"')));
    }

    private static float[] run(Layer l, float[] x, long... shape) {
        try (Tensor in = Tensor.of(x, shape); Tensor y = l.call(in)) {
            return y.toFloatArray();
        }
    }

    @Test
    void kerasDocumentationExample() throws Exception {
        // UnitNormalization()(np.arange(6).reshape(2, 3)): each row's squares sum to 1
        try (Layer l = layer("{}")) {
            float[] y = run(l, new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
            assertArrayEquals(new float[] {0, (float) (1 / Math.sqrt(5)), (float) (2 / Math.sqrt(5)),
                    (float) (3 / Math.sqrt(50)), (float) (4 / Math.sqrt(50)), (float) (5 / Math.sqrt(50))}, y, 1e-7f);
            assertEquals(1.0, y[0] * y[0] + y[1] * y[1] + y[2] * y[2], 1e-6);
        }
    }

    @Test
    void matchesItsDefinitionOverAnyAxes() throws Exception {
        Random r = new Random(21);
        long[] shape = {2, 3, 4, 5};
        String[] axes = {"-1", "[2,3]", "1", "[1,3]", "[3,1]", "[1,2,3]"};
        int[][] sorted = {{3}, {2, 3}, {1}, {1, 3}, {1, 3}, {1, 2, 3}};
        for (int k = 0; k < axes.length; k++) {
            try (Layer l = layer("{'axis':" + axes[k] + "}")) {
                float[] x = new float[2 * 3 * 4 * 5];
                for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 3);
                float[] got = run(l, x, shape);
                double[] want = reference(x, shape, sorted[k]);
                for (int i = 0; i < got.length; i++) {
                    assertEquals(want[i], got[i], 2e-7 + 2e-6 * Math.abs(want[i]), "axis " + axes[k] + " value " + i);
                }
            }
        }
    }

    /** Each slice's {@code x * rsqrt(max(sum(x * x), 1e-12))} in double; a slice: the elements equal off {@code axes}. */
    public static double[] reference(float[] x, long[] shape, int[] axes) {
        int rank = shape.length;
        boolean[] norm = new boolean[rank];
        for (int a : axes) norm[a] = true;
        long[] strides = new long[rank];
        strides[rank - 1] = 1;
        for (int i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
        long[] slice = new long[x.length];
        java.util.Map<Long, Double> sums = new java.util.HashMap<>();
        for (int e = 0; e < x.length; e++) {
            long s = 0;
            for (int i = 0; i < rank; i++) if (!norm[i]) s = s * shape[i] + (e / strides[i]) % shape[i];
            slice[e] = s;
            sums.merge(s, (double) x[e] * x[e], Double::sum);
        }
        double[] y = new double[x.length];
        for (int e = 0; e < x.length; e++) y[e] = x[e] / Math.sqrt(Math.max(sums.get(slice[e]), 1e-12));
        return y;
    }

    @Test
    void tinyAndZeroVectorsAndExtremeValuesAsTensorFlow() throws Exception {
        try (Layer l = layer("{}")) {
            float inf = Float.POSITIVE_INFINITY;
            float[] x = {
                    0, 0, 0,            // zero: stays zero
                    1e-8f, 2e-8f, 0,    // squares sum below 1e-12: scaled by 1e6, not to unit length
                    1, Float.NaN, 2,    // NaN: the whole slice
                    3, inf, -1};        // infinity: 0 * inf is NaN at its place, the rest 0
            float[] y = run(l, x, 4, 3);
            assertArrayEquals(new float[] {0, 0, 0}, new float[] {y[0], y[1], y[2]});
            assertArrayEquals(new float[] {1e-2f, 2e-2f, 0}, new float[] {y[3], y[4], y[5]}, 1e-8f);
            assertTrue(Float.isNaN(y[6]) && Float.isNaN(y[7]) && Float.isNaN(y[8]), java.util.Arrays.toString(y));
            assertEquals(0f, y[9]);
            assertTrue(Float.isNaN(y[10]), java.util.Arrays.toString(y));
            assertEquals(-0f, y[11]);
        }
    }

    @Test
    void configRefusalsAndInAModel() throws Exception {
        try (Layer a = layer("{'name':'unit','axis':[1,2]}"); Layer b = Layers.fromConfig(Layers.toConfig(a))) {
            assertEquals(Layers.toConfig(a), Layers.toConfig(b));
            assertEquals("[1,2]", Layers.toConfig(a).get("config").get("axis").toString());
        }
        var type = assertThrows(IllegalArgumentException.class, () -> layer("{'axis':'last'}"));
        assertTrue(type.getMessage().contains("Invalid value for `axis` argument"), type.getMessage());
        try (Layer l = layer("{'axis':[1,-2]}")) {
            var duplicate = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {-1, 4, 8}));
            assertTrue(duplicate.getMessage().contains("Duplicate axis"), duplicate.getMessage());
        }
        try (Layer l = layer("{'axis':0}")) {
            var batch = assertThrows(IllegalArgumentException.class, () -> l.build(new long[] {4, 8}));
            assertTrue(batch.getMessage().contains("batch axis"), batch.getMessage());
        }
        // an embedding head: Dense, then unit length
        Layer dense = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Dense\",\"config\":{\"name\":\"fc\",\"units\":4}}"));
        Layer unit = layer("{'name':'unit'}");
        try (Sequential m = Sequential.of("embedding", List.of(dense, unit), -1, 6)) {
            float[] x = new float[3 * 6];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i + 1);
            try (Tensor in = Tensor.of(x, 3, 6); Tensor y = m.predict(in); Tensor a = dense.call(in); Tensor want = unit.call(a)) {
                assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 0f);
            }
        }
    }
}
