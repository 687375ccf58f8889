package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import kdnn.Tensor;
import kdnn.layers.ExtremeValues;
import kdnn.layers.Layer;
import kdnn.runtime.Threads;
import org.junit.jupiter.api.Test;

/**
 * Calls that start an OpenMP team (predictions, plans, standalone layer calls with a
 * multi-threaded primitive) run on kdnn's compute threads, whatever thread asks: no caller ever
 * gets a team of its own, the model's NaN mode travels with them, results are bitwise those of
 * one caller, and failures reach the caller.
 */
class ComputeThreadsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    // 3 x 4 MB of intermediate values; each convolution runs on every thread
    private static final long[] SHAPE = {1, 128, 128, 64};

    private static Layer meanRelu(String name) throws Exception {
        return ConvFixtures.conv1x1(name, 64, "relu", SHAPE, i -> Math.cos(i) / 32);
    }

    private static Sequential model() throws Exception {
        return Sequential.of("large", List.of(meanRelu("a"), meanRelu("b"), meanRelu("c"), meanRelu("d")), SHAPE);
    }

    private static float[] input(boolean nan) {
        float[] x = new float[128 * 128 * 64];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
        if (nan) x[5] = Float.NaN;
        return x;
    }

    private static float[] predict(Model m, float[] x) {
        try (Tensor in = Tensor.of(x, SHAPE); Tensor out = m.predict(in)) {
            return out.toFloatArray();
        }
    }

    @Test
    void theModelsModeTravelsToTheComputeThread() throws Exception {
        try (Sequential m = model()) {
            assertEquals(0f, predict(m, input(true))[0], "fused: relu(NaN) is 0");
            m.setExtremes(ExtremeValues.KERAS);
            assertTrue(Float.isNaN(predict(m, input(true))[0]), "KERAS: NaN reaches the output");
            assumeTrue(Threads.count() > 1 && Threads.controllable(), "one thread: predictions stay on the caller");
            assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("kdnn-compute-")),
                    "a large prediction ran on a compute thread");
        }
    }

    /** The OS threads named as this thread: itself, and an OpenMP team's workers, which take their master's name. */
    private static long namesakes() throws Exception {
        String name = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/comm")).trim();
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            long n = 0;
            for (var t : tasks.toList()) {
                try {
                    if (java.nio.file.Files.readString(t.resolve("comm")).trim().equals(name)) n++;
                } catch (java.io.IOException gone) {
                    // a thread that ended meanwhile
                }
            }
            return n;
        }
    }

    @Test
    void noCallerEverGetsAnOpenMpTeam() throws Exception {
        assumeTrue(Threads.count() > 1 && Threads.controllable(), "one thread or no OpenMP: no teams");
        assumeTrue(java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/thread-self/comm")), "Linux only");
        // a fresh thread with a name of its own: with more OpenMP threads than cores, libgomp would make every
        // parallel region of every team wait for a wake-up (MobileNetV2 2.6x slower here when layer calls ran on main)
        Exception[] failed = new Exception[1];
        long[] seen = new long[3];
        Thread caller = new Thread(() -> {
            try (Sequential m = model(); Layer conv = meanRelu("alone");
                 Tensor x = Tensor.of(input(false), SHAPE)) {
                m.plan(SHAPE);
                seen[0] = namesakes(); // after a plan's weight reorders
                predict(m, input(false));
                try (Tensor y = conv.call(x)) {
                    assertTrue(y.toFloatArray().length > 0);
                }
                seen[1] = namesakes(); // after a prediction and a multi-threaded standalone layer call
                kdnn.layers.Conv2D big = kdnn.layers.Conv2D.builder(64, 3).build();
                try (big) {
                    assertTrue(String.join(",", big.implementations(SHAPE)).contains("convolution"));
                }
                seen[2] = namesakes(); // after a layer made its pipeline to say its implementations
            } catch (Exception e) {
                failed[0] = e;
            }
        }, "kdnn-team-probe");
        caller.start();
        caller.join();
        if (failed[0] != null) throw failed[0];
        assertArrayEquals(new long[] {1, 1, 1}, seen, "threads named as the caller: it and its OpenMP team's workers");
    }

    @Test
    void aTraceFollowsTheCallToTheComputeThread() throws Exception {
        try (Sequential m = model()) {
            float[] x = input(false);
            predict(m, x);
            List<kdnn.runtime.ExecutionTrace.Step> steps = kdnn.runtime.ExecutionTrace.record(() -> predict(m, x));
            assertEquals(4, steps.stream().filter(s -> s.kind().startsWith("convolution")).count(), steps.toString());
        }
    }

    @Test
    void manyCallersGetOneCallersResultsBitwise() throws Exception {
        try (Sequential m = model()) {
            float[] x = input(false);
            float[] want = predict(m, x);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<float[]>> got = new ArrayList<>();
                for (int i = 0; i < 24; i++) got.add(pool.submit(() -> predict(m, x)));
                for (Future<float[]> f : got) assertArrayEquals(want, f.get());
            } finally {
                pool.shutdownNow();
            }
            assertTrue(Arrays.stream(new int[] {0, 1, 2}).anyMatch(i -> want[i] != 0f), "not all zero");
        }
    }

    @Test
    void aClosedModelRefusesFromEveryThread() throws Exception {
        Sequential m = model();
        predict(m, input(false));
        m.close();
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> predict(m, input(false)));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
