package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import kdnn.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A model fed inputs of ever new shapes (a text CNN on sequences of every length) keeps at most
 * {@link Model#PLAN_CAPACITY} plans: the least recently used are closed once idle, and a shape
 * seen again is planned anew with the same results. Predictions on many threads, with plans
 * dropped under them, give each shape's results bitwise.
 */
class PlanCacheTest {
    private static final String TEXT_CNN = ("""
            {'class_name': 'Sequential', 'config': {'name': 'text', 'layers': [
             {'class_name': 'Conv1D', 'config': {'name': 'conv', 'filters': 6, 'kernel_size': 3, 'activation': 'relu',
              'batch_input_shape': [null, null, 4], 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 2}}}},
             {'class_name': 'Conv1D', 'config': {'name': 'conv2', 'filters': 5, 'kernel_size': 2, 'padding': 'same',
              'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 3}}}},
             {'class_name': 'GlobalMaxPooling1D', 'config': {'name': 'pool'}},
             {'class_name': 'Dense', 'config': {'name': 'out', 'units': 2,
              'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': 4}}}}]}}
            """).replace('\'', '"');

    private static Model model() throws Exception {
        return ModelConfigs.build(new ObjectMapper().readTree(TEXT_CNN), (path, layer, expected) -> layer.getWeights());
    }

    private static float[] sequence(int length) {
        float[] x = new float[length * 4];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.7 + length);
        return x;
    }

    private static float[] predict(Model m, int length) {
        try (Tensor in = Tensor.of(sequence(length), 1, length, 4); Tensor y = m.predict(in)) {
            return y.toFloatArray();
        }
    }

    @Test
    void plansStayBoundedAndShapesSeenAgainGiveTheSameValues() throws Exception {
        int lengths = Model.PLAN_CAPACITY * 3;
        try (Model m = model()) {
            List<float[]> first = new ArrayList<>();
            for (int n = 3; n < 3 + lengths; n++) {
                first.add(predict(m, n));
                assertTrue(m.planCount() <= Model.PLAN_CAPACITY, "plans kept: " + m.planCount());
            }
            for (int n = 3; n < 3 + lengths; n++) {
                assertArrayEquals(first.get(n - 3), predict(m, n), 0f, "length " + n + " planned anew");
            }
        }
    }

    @Test
    void predictionsOnManyThreadsWhilePlansAreDropped() throws Exception {
        int lengths = Model.PLAN_CAPACITY + 12;
        try (Model m = model()) {
            float[][] want = new float[lengths][];
            for (int i = 0; i < lengths; i++) want[i] = predict(m, 3 + i);
            kdnn.Concurrently.run(4, 150, r -> {
                int i = r.nextInt(lengths);
                assertArrayEquals(want[i], predict(m, 3 + i), 0f, "length " + (3 + i));
            });
            assertTrue(m.planCount() <= Model.PLAN_CAPACITY, "plans kept: " + m.planCount());
        }
    }
}
