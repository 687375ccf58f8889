package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * Large predictions run on kdnn's compute threads, whatever thread asks: the model's NaN mode
 * travels with them, results are bitwise those of one caller, and failures reach the caller.
 */
class ComputeThreadsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    // 3 x 4 MB of intermediate values
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
        return predict(m, x, SHAPE);
    }

    private static float[] predict(Model m, float[] x, long[] shape) {
        try (Tensor in = Tensor.of(x, shape); Tensor out = m.predict(in)) {
            return out.toFloatArray();
        }
    }

    /** Eight callers' own inputs: {@link #input} scaled for each. */
    private static float[][] eightInputs() {
        float[][] inputs = new float[8][];
        for (int k = 0; k < 8; k++) {
            inputs[k] = input(false);
            for (int i = 0; i < inputs[k].length; i++) inputs[k][i] *= 1 + k / 8f;
        }
        return inputs;
    }

    /** 48 predictions from 8 threads at once, of input {@code i % 8} each; their results in order. */
    private static List<float[]> fromEightThreads(Model m, float[][] inputs, long[] shape) throws Exception {
        return fromThreads(8, 48, m, inputs, shape);
    }

    /** {@code calls} predictions from {@code threads} threads at once, of input {@code i % 8} each; their results in order. */
    private static List<float[]> fromThreads(int threads, int calls, Model m, float[][] inputs, long[] shape) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<float[]>> got = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                float[] x = inputs[i % 8];
                got.add(pool.submit(() -> predict(m, x, shape)));
            }
            List<float[]> results = new ArrayList<>();
            for (Future<float[]> f : got) results.add(f.get());
            return results;
        } finally {
            pool.shutdownNow();
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
    void splitWhenSameGivesEachCallerItsInputsResultBitwise() throws Exception {
        assumeTrue(Threads.count() == 2 && Threads.controllable(), "the 2-thread count this machine has");
        Threads.Policy before = Threads.policy();
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_SAME);
        int splitsBefore = Threads.splitTurns();
        try (Sequential m = model()) {
            float[][] inputs = eightInputs();
            List<float[]> want = Arrays.stream(inputs).map(x -> predict(m, x)).toList();
            List<float[]> got = fromEightThreads(m, inputs, SHAPE);
            for (int i = 0; i < got.size(); i++) assertArrayEquals(want.get(i % 8), got.get(i), "call " + i);
            // 1x1 convolutions add in the same order with one thread; its workspace: 8 MB
            assumeTrue(Threads.lastLevelCacheBytes() >= 16 << 20, "two workspaces fit this machine's cache");
            assertTrue(Threads.splitTurns() > splitsBefore, "some turns ran two predictions side by side");
        } finally {
            Threads.setPolicy(before);
        }
    }

    @Test
    void wideLanesGiveEachCallerItsInputsResultBitwiseAndEndWithTheirTurn() throws Exception {
        assumeTrue(Threads.controllable(), "lanes serve OpenMP builds only");
        // 8 MB workspaces, two at once
        assumeTrue(Threads.lastLevelCacheBytes() >= 16 << 20, "two workspaces fit this machine's cache");
        Threads.Policy before = Threads.policy();
        int countBefore = Threads.count();
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_SAME);
        // three callers fill two lanes of two threads (the third waits: lanes divide the count), each
        // lane an OpenMP team of its own
        Threads.setCount(4);
        try (Sequential m = model()) {
            float[][] inputs = eightInputs();
            List<float[]> want = Arrays.stream(inputs).map(x -> predict(m, x)).toList();
            int splitsBefore = Threads.splitTurns();
            List<float[]> got = fromThreads(3, 36, m, inputs, SHAPE);
            for (int i = 0; i < got.size(); i++) assertArrayEquals(want.get(i % 8), got.get(i), "call " + i);
            assertTrue(Threads.splitTurns() > splitsBefore, "some turns ran two predictions side by side");
            // a wide lane's helper ends with its turn, and its team with it
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (wideHelpersAlive() && System.nanoTime() < deadline) Thread.sleep(10);
            assertTrue(!wideHelpersAlive(), "the helpers of lanes of two threads ended");
            assertArrayEquals(want.get(3), predict(m, inputs[3]), "a lone call after the turns: the whole count's result");
        } finally {
            Threads.setCount(countBefore);
            Threads.setPolicy(before);
        }
    }

    private static boolean wideHelpersAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().matches("kdnn-compute-.*-helper-\\d+x-.*"));
    }

    /** A Conv1D over 32000 steps: causal, of {@code filters}, with weights from cosines. */
    private static Layer causalConv1d(String name, int filters, int dilation, long[] inputShape) throws Exception {
        Layer l = kdnn.layers.Layers.fromConfig(JSON.readTree("{\"class_name\":\"Conv1D\",\"config\":{\"name\":\"" + name
                + "\",\"filters\":" + filters + ",\"kernel_size\":2,\"padding\":\"causal\",\"dilation_rate\":" + dilation + "}}"));
        l.build(inputShape);
        List<kdnn.layers.Weight> ws = new ArrayList<>();
        for (kdnn.layers.Weight w : l.getWeights()) {
            float[] v = new float[w.values().length];
            for (int i = 0; i < v.length; i++) v[i] = (float) Math.cos(i + v.length) / 8;
            ws.add(new kdnn.layers.Weight(w.name(), w.shape(), v));
        }
        l.setWeights(ws);
        return l;
    }

    @Test
    void splitWhenSameNeverSplitsAModelWhoseOneThreadKernelsAddInAnotherOrder() throws Exception {
        assumeTrue(Threads.count() == 2 && Threads.controllable(), "the 2-thread count this machine has");
        assumeTrue(Threads.lastLevelCacheBytes() >= 16 << 20, "two workspaces fit this machine's cache");
        Threads.Policy before = Threads.policy();
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_SAME);
        long[] shape = {1, 32000, 1};
        // WaveNet's first two layers: the dilated one's one-thread kernel adds in another order here
        try (Sequential m = Sequential.of("dilated", List.of(causalConv1d("c1", 64, 1, shape),
                causalConv1d("c2", 64, 2, new long[] {1, 32000, 64})), shape)) {
            float[][] inputs = new float[8][32000];
            for (int k = 0; k < 8; k++) {
                for (int i = 0; i < 32000; i++) inputs[k][i] = (float) Math.sin(i * (k + 1) / 7.0);
            }
            List<float[]> want = Arrays.stream(inputs).map(x -> predict(m, x, shape)).toList();
            assumeTrue(!m.sameWithOneThread(shape), "this CPU's one-thread kernels add in the same order here");
            int splitsBefore = Threads.splitTurns();
            List<float[]> got = fromEightThreads(m, inputs, shape);
            for (int i = 0; i < got.size(); i++) assertArrayEquals(want.get(i % 8), got.get(i), "call " + i);
            assertEquals(splitsBefore, Threads.splitTurns(), "no turn split");
        } finally {
            Threads.setPolicy(before);
        }
    }

    @Test
    void theCheckDigestsEveryStepNotJustTheOutput() throws Exception {
        Layer zero = ConvFixtures.conv1x1("zero", 8, "relu", SHAPE, i -> 0); // outputs 0 whatever comes in
        Layer nudged = ConvFixtures.conv1x1("a", 64, "relu", SHAPE, i -> i == 0 ? Math.nextUp((float) Math.cos(0) / 32)
                : Math.cos(i) / 32);
        try (Sequential m = Sequential.of("m", List.of(meanRelu("a"), zero), SHAPE);
                Sequential n = Sequential.of("n", List.of(nudged, ConvFixtures.conv1x1("zero", 8, "relu", SHAPE, i -> 0)),
                        SHAPE)) {
            long[] digests = m.stepDigests(SHAPE);
            assertEquals(3, digests.length, "two steps and the output");
            assertArrayEquals(digests, m.stepDigests(SHAPE), "the same run gives the same digests");
            long[] other = n.stepDigests(SHAPE);
            assertEquals(digests[2], other[2], "the same output, all zero");
            assertTrue(digests[0] != other[0], "a weight one ulp apart shows in the first step");
        }
    }

    @Test
    void splitTurnsGiveEachCallerTheResultOfItsOwnInput() throws Exception {
        assumeTrue(Threads.count() == 2 && Threads.controllable(), "the 2-thread count this machine has");
        Threads.Policy before = Threads.policy();
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_QUEUED);
        int splitsBefore = Threads.splitTurns();
        try (Sequential m = model()) {
            float[][] inputs = eightInputs();
            List<float[]> want = Arrays.stream(inputs).map(x -> predict(m, x)).toList();
            List<float[]> got = fromEightThreads(m, inputs, SHAPE);
            for (int i = 0; i < got.size(); i++) {
                float[] y = got.get(i);
                float[] w = want.get(i % 8);
                for (int j = 0; j < w.length; j++) {
                    if (Math.abs(y[j] - w[j]) > 1e-5f * Math.max(1, Math.abs(w[j]))) {
                        throw new AssertionError("call " + i + " value " + j + ": " + y[j] + ", alone " + w[j]);
                    }
                }
            }
            // its plan's workspace: 8 MB (`m.plan()`)
            assumeTrue(Threads.lastLevelCacheBytes() >= 16 << 20, "two workspaces fit this machine's cache");
            assertTrue(Threads.splitTurns() > splitsBefore, "some turns ran two predictions side by side");
        } finally {
            Threads.setPolicy(before);
        }
    }

    /**
     * OpenMP keeps a team of threads for every thread that starts a parallel region of more than
     * one thread, for as long as that thread lives; with more of them than cores it makes every
     * team sleep at its barriers. So a small prediction whose steps use the whole count runs on a
     * compute thread too, whoever calls: before, it ran on the caller, and a model of 0.3 ms
     * predicted from one thread after another took 2-3 ms, and a large one beside it 40% longer.
     */
    @Test
    void aSmallPredictionThatStartsTeamsLeavesThemToTheComputeThreads() throws Exception {
        assumeTrue(Threads.count() > 1 && Threads.controllable(), "one thread: no OpenMP teams");
        long[] shape = {1, 16, 16, 64}; // 1M multiply-adds a layer (the whole count), 64 KB a value
        try (Sequential m = Sequential.of("small", List.of(ConvFixtures.conv1x1("a", 64, "relu", shape,
                i -> Math.cos(i) / 32), ConvFixtures.conv1x1("b", 64, "relu", shape, i -> Math.sin(i) / 32)), shape)) {
            float[] x = input16();
            int mark = Threads.teamMark();
            float[] want = predict(m, x, shape);
            for (int i = 0; i < 3; i++) assertArrayEquals(want, predict(m, x, shape));
            assertFalse(Threads.teamsSince(mark), "the calling thread started no OpenMP team");
            assertTrue(m.startsTeams(shape), "its steps use the whole count");
            assertFalse(startsTeamOnNewThread(m, x, shape, want), "another calling thread started none either");
        }
    }

    /**
     * What a count of one showed (no team started) says nothing of a larger count's predictions: after the count
     * grows back, the plan's next prediction goes to a compute thread again, and its caller starts no team (it
     * used to run there once, and the caller's team then made every prediction after it sleep at OpenMP's barriers
     * for as long as the caller lived: MobileNetV2 took 8-12 ms a call on Zen 3 in place of 5).
     */
    @Test
    void aCountOfOneLeavesNoMarkOnTheFullCountsPredictions() throws Exception {
        assumeTrue(Threads.count() > 1 && Threads.controllable(), "one thread: no OpenMP teams");
        long[] shape = {1, 16, 16, 64};
        int count = Threads.count();
        try (Sequential m = Sequential.of("small", List.of(ConvFixtures.conv1x1("a", 64, "relu", shape,
                i -> Math.cos(i) / 32)), shape)) {
            float[] x = input16();
            float[] want = predict(m, x, shape);
            Threads.setCount(1);
            try {
                assertArrayEquals(want, predict(m, x, shape));
                assertFalse(m.startsTeams(shape), "with one thread its prediction started no team");
            } finally {
                Threads.setCount(count);
            }
            assertTrue(m.startsTeams(shape), "at the full count again: not known to start none");
            assertFalse(startsTeamOnNewThread(m, x, shape, want), "its caller started no OpenMP team");
        }
    }

    /** A split turn's lanes run one-thread primitives: that must not mark a plan of two-thread steps as starting no team. */
    @Test
    void laneRunsLeaveASmallPredictionOnTheComputeThreads() throws Exception {
        assumeTrue(Threads.count() == 2 && Threads.controllable(), "the 2-thread count this machine has");
        Threads.Policy before = Threads.policy();
        Threads.setPolicy(Threads.Policy.SPLIT_WHEN_QUEUED);
        int splitsBefore = Threads.splitTurns();
        long[] shape = {1, 16, 16, 64};
        try (Sequential m = Sequential.of("small", List.of(ConvFixtures.conv1x1("a", 64, "relu", shape,
                i -> Math.cos(i) / 32)), shape)) {
            float[][] inputs = new float[8][16 * 16 * 64];
            for (int k = 0; k < 8; k++) {
                for (int i = 0; i < inputs[k].length; i++) inputs[k][i] = (float) Math.sin(i * (k + 1) / 5.0);
            }
            for (int round = 0; round < 20 && Threads.splitTurns() == splitsBefore; round++) {
                fromThreads(8, 400, m, inputs, shape);
            }
            assumeTrue(Threads.splitTurns() > splitsBefore, "no turn split on this machine's timing");
            int mark = Threads.teamMark();
            predict(m, inputs[0], shape);
            assertFalse(Threads.teamsSince(mark), "a lone call after lanes still starts no team on its caller");
        } finally {
            Threads.setPolicy(before);
        }
    }

    /**
     * Standalone layer calls: one thread's run on itself (a benchmark's or a one-thread program's);
     * a second live thread's go to a compute thread, and the first gives its team back at its next
     * call and goes there too, so no request thread keeps a team beside the compute thread's.
     */
    @Test
    void aSecondThreadsLayerCallsLeaveTheFirstThreadsTeamAlone() throws Exception {
        assumeTrue(Threads.count() > 1 && Threads.controllable(), "one thread: no OpenMP teams");
        long[] shape = {1, 16, 16, 64}; // 1M multiply-adds: the whole count
        try (Layer conv = ConvFixtures.conv1x1("a", 64, "relu", shape, i -> Math.cos(i) / 32);
                Tensor in = Tensor.of(input16(), shape)) {
            float[] want;
            try (Tensor out = conv.call(in)) {
                want = out.toFloatArray();
            }
            java.util.concurrent.CountDownLatch firstDone = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch secondDone = new java.util.concurrent.CountDownLatch(1);
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                // the first thread's calls, while it lives, then again after the second's
                Future<Boolean> first = threads.submit(() -> {
                    for (int i = 0; i < 3; i++) layerCall(conv, in, want);
                    firstDone.countDown();
                    secondDone.await();
                    int mark = Threads.teamMark();
                    layerCall(conv, in, want);
                    return Threads.teamsSince(mark);
                });
                firstDone.await();
                Future<Boolean> second = threads.submit(() -> {
                    int mark = Threads.teamMark();
                    for (int i = 0; i < 3; i++) layerCall(conv, in, want);
                    return Threads.teamsSince(mark);
                });
                assertFalse(second.get(), "the second thread's calls started no team on it");
                secondDone.countDown();
                assertFalse(first.get(), "the first thread's call after the second's ran on a compute thread");
            } finally {
                threads.shutdownNow();
            }
        }
    }

    /** Whether a prediction from a new thread (checked against {@code want}) started an OpenMP team on that thread. */
    private static boolean startsTeamOnNewThread(Sequential m, float[] x, long[] shape, float[] want) throws Exception {
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            return other.submit(() -> {
                int own = Threads.teamMark();
                assertArrayEquals(want, predict(m, x, shape));
                return Threads.teamsSince(own);
            }).get();
        } finally {
            other.shutdownNow();
        }
    }

    private static float[] input16() {
        float[] x = new float[16 * 16 * 64];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
        return x;
    }

    private static void layerCall(Layer layer, Tensor in, float[] want) {
        try (Tensor out = layer.call(in)) {
            assertArrayEquals(want, out.toFloatArray());
        }
    }

    /** A prediction whose every step is small enough for one thread starts no team: after its first, it runs on its caller. */
    @Test
    void aPredictionOfOneThreadStepsRunsOnItsCaller() throws Exception {
        long[] shape = {1, 4, 4, 8}; // 1K multiply-adds a layer: one thread
        try (Sequential m = Sequential.of("tiny", List.of(ConvFixtures.conv1x1("a", 8, "relu", shape,
                i -> Math.cos(i) / 4)), shape)) {
            float[] x = new float[4 * 4 * 8];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
            assertTrue(m.startsTeams(shape), "unknown before its first prediction: a compute thread runs it");
            float[] want = predict(m, x, shape);
            assertFalse(m.startsTeams(shape), "its first prediction started no team");
            int mark = Threads.teamMark();
            assertArrayEquals(want, predict(m, x, shape));
            assertFalse(Threads.teamsSince(mark), "on the caller, one thread");
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
