package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A layer called on inputs of ever new shapes keeps at most {@link PipelineCache#CAPACITY}
 * pipelines; one dropped is closed once no call runs it, and its shape seen again is computed anew
 * with the same values, also while other threads call the layer.
 */
class PipelineCacheTest {
    private static Layer conv() throws Exception {
        Layer l = Layers.fromConfig(new ObjectMapper().readTree("{\"class_name\": \"Conv1D\", \"config\": {\"filters\": 4,"
                + " \"kernel_size\": 3, \"activation\": \"relu\", \"kernel_initializer\": {\"class_name\": \"GlorotUniform\","
                + " \"config\": {\"seed\": 5}}}}"));
        l.build(new long[] {-1, -1, 3});
        return l;
    }

    private static float[] call(Layer l, int length) {
        float[] x = new float[length * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i * 0.3 + length);
        try (Tensor in = Tensor.of(x, 1, length, 3); Tensor y = l.call(in)) {
            return y.toFloatArray();
        }
    }

    @Test
    void pipelinesStayBounded() throws Exception {
        int lengths = PipelineCache.CAPACITY * 2;
        try (Layer l = conv()) {
            List<float[]> first = new ArrayList<>();
            for (int n = 3; n < 3 + lengths; n++) {
                first.add(call(l, n));
                assertTrue(l.pipelines.size() <= PipelineCache.CAPACITY, "pipelines kept: " + l.pipelines.size());
            }
            for (int n = 3; n < 3 + lengths; n++) assertArrayEquals(first.get(n - 3), call(l, n), 0f, "length " + n);
        }
    }

    @Test
    void callsOnManyThreadsWhilePipelinesAreDropped() throws Exception {
        int lengths = PipelineCache.CAPACITY + 8;
        try (Layer l = conv()) {
            float[][] want = new float[lengths][];
            for (int i = 0; i < lengths; i++) want[i] = call(l, 3 + i);
            kdnn.Concurrently.run(4, 300, r -> {
                int i = r.nextInt(lengths);
                assertArrayEquals(want[i], call(l, 3 + i), 0f, "length " + (3 + i));
            });
        }
    }
}
