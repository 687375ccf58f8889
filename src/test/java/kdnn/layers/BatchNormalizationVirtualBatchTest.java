package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.io.Models;
import kdnn.model.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tf.keras' BatchNormalization with {@code virtual_batch_size} (ghost batches) and with
 * {@code renorm}: at inference the moving statistics apply as without them, with epsilon as given,
 * since tf.keras never runs them on its fused kernel (which raises epsilon to 1.001e-5); the
 * batch must be a multiple of the virtual batch size, as tf.keras' reshape requires.
 */
class BatchNormalizationVirtualBatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Layer bn(String extra) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': 'BatchNormalization', 'config': {'name': 'bn',"
                + " 'epsilon': 1e-7" + extra + "}}").replace('\'', '"')));
    }

    private static void statistics(Layer l) {
        l.build(new long[] {-1, 3, 3, 2});
        l.setWeights(List.of(new Weight("gamma", new int[] {2}, new float[] {1.5f, -0.5f}),
                new Weight("beta", new int[] {2}, new float[] {0.25f, 1}),
                new Weight("moving_mean", new int[] {2}, new float[] {0.1f, -0.2f}),
                new Weight("moving_variance", new int[] {2}, new float[] {2e-6f, 3e-6f})));
    }

    private static float[] run(Layer l, int batch) {
        float[] x = new float[batch * 3 * 3 * 2];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i) * 0.01f;
        try (Tensor in = Tensor.of(x, batch, 3, 3, 2); Tensor y = l.call(in)) {
            return y.toFloatArray();
        }
    }

    @Test
    void syncBatchNormalizationIsTheUnfusedLayer() throws Exception {
        // tf.keras' SyncBatchNormalization passes fused=False: epsilon stays as given on 4D inputs too
        try (Layer sync = Layers.fromConfig(JSON.readTree(("{'class_name': 'SyncBatchNormalization', 'config': {'name':"
                + " 'bn', 'epsilon': 1e-7}}").replace('\'', '"'))); Layer unfused = bn(", 'fused': false")) {
            statistics(sync);
            statistics(unfused);
            assertEquals(1e-7, ((BatchNormalization) sync).effectiveEpsilon(4));
            assertArrayEquals(run(unfused, 3), run(sync, 3), 0f);
            assertEquals(false, sync.getConfig().get("fused").asBoolean());
        }
        var fused = assertThrows(IllegalArgumentException.class, () -> Layers.fromConfig(JSON.readTree(
                "{\"class_name\": \"SyncBatchNormalization\", \"config\": {\"fused\": true}}")));
        assertTrue(fused.getMessage().contains("cannot be True for SyncBatchNormalization"), fused.getMessage());
    }

    @Test
    void virtualBatchesComputeAsTheUnfusedLayer() throws Exception {
        try (Layer ghost = bn(", 'virtual_batch_size': 2"); Layer unfused = bn(", 'fused': false");
             Layer fusedKernel = bn("")) {
            statistics(ghost);
            statistics(unfused);
            statistics(fusedKernel);
            assertEquals(1e-7, ((BatchNormalization) ghost).effectiveEpsilon(4));
            assertEquals(1.001e-5, ((BatchNormalization) fusedKernel).effectiveEpsilon(4));
            assertArrayEquals(run(unfused, 4), run(ghost, 4), 0f);
            // epsilon matters here: the variances are near 1e-6
            float[] clamped = run(fusedKernel, 4);
            float[] asGiven = run(ghost, 4);
            assertTrue(Math.abs(clamped[0] - asGiven[0]) > 1e-3, clamped[0] + " against " + asGiven[0]);
            var odd = assertThrows(IllegalArgumentException.class, () -> run(ghost, 3));
            assertTrue(odd.getMessage().contains("not a multiple of virtual_batch_size=2"), odd.getMessage());
            try (Layer back = Layers.fromConfig(Layers.toConfig(ghost))) {
                assertEquals(2, ((BatchNormalization) back).virtualBatchSize());
            }
        }
        for (String bad : new String[] {"0", "-2", "1.5", "'two'"}) {
            assertThrows(IllegalArgumentException.class, () -> bn(", 'virtual_batch_size': " + bad).close(), bad);
        }
        var batchAxis = assertThrows(IllegalArgumentException.class, () -> bn(", 'virtual_batch_size': 2, 'axis': 0"));
        assertTrue(batchAxis.getMessage().contains("axis cannot include 0"), batchAxis.getMessage());
    }

    @Test
    void renormKeepsEpsilonAsGiven() throws Exception {
        try (Layer renorm = bn(", 'renorm': true")) {
            assertEquals(1e-7, ((BatchNormalization) renorm).effectiveEpsilon(4));
        }
    }

    @Test
    void onlyKeras2FormatsHoldVirtualBatches(@TempDir Path dir) throws Exception {
        Layer ghost = bn(", 'virtual_batch_size': 2");
        try (Sequential m = Sequential.of("ghost", List.of(ghost), -1, 3, 3, 2)) {
            statistics(ghost);
            Models.save(m, dir.resolve("m.h5"));
            try (var back = Models.load(dir.resolve("m.h5")); Tensor in = Tensor.of(new float[4 * 18], 4, 3, 3, 2);
                 Tensor a = m.predict(in); Tensor b = back.predict(in)) {
                assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 0f);
                assertEquals(2, ((BatchNormalization) back.layer("bn")).virtualBatchSize());
            }
            var keras3 = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("m.keras")));
            assertTrue(keras3.getMessage().contains("virtual_batch_size=2"), keras3.getMessage());
        }
    }
}
