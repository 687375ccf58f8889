package kdnn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.io.Models;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;

/**
 * Every primitive runs with the OpenMP thread count it was created for: resnet_tiny has layers
 * small enough for one thread next to layers that get the full count, and a thread that last
 * created a one-thread primitive must not run the others on one thread.
 */
class OpenMpThreadsTest {
    @Test
    void eachPrimitiveRunsWithItsOwnCount() throws Exception {
        assumeTrue(Threads.controllable() && Threads.count() > 1, "needs OpenMP and more than one thread");
        try (Model m = Models.load(TestData.functionalModels().resolve("resnet_tiny/model.json"))) {
            long[] shape = m.inputShape();
            shape[0] = 1;
            float[] x = new float[Math.toIntExact(java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
            try (Tensor in = Tensor.of(x, shape); Tensor out = Tensor.uninitialized(m.outputShape(shape))) {
                m.predict(in, out); // creates the primitives, small and large, on this thread
                List<ExecutionTrace.Step> steps = ExecutionTrace.record(() -> m.predict(in, out));
                Set<Integer> created = new TreeSet<>();
                int primitives = 0;
                for (ExecutionTrace.Step s : steps) {
                    if (s.replay() == null) continue;
                    int threads = Integer.parseInt(s.replay().split(" ")[1]);
                    created.add(threads);
                    assertEquals(threads, s.ompThreads(), "OpenMP threads at " + s.replay());
                    primitives++;
                }
                assertTrue(primitives > 5, steps.toString());
                assertTrue(created.size() > 1 || created.contains(Threads.count()),
                        "created with " + created + " threads");
            }
        }
    }
}
