package kdnn.reliability;

import kdnn.layers.ExtremeValues;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.model.Sequential;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

/**
 * The threading contract: one layer or model instance, called from many threads at once,
 * returns for every call exactly (bitwise) what a single-threaded call returns, including for
 * input shapes the instance first sees while other threads are calling it (its primitives are
 * then created while other calls execute).
 */
class ConcurrencyTest {
    // these tests expect NaN to propagate as in Keras' eager calls: the non-default mode
    private static ExtremeValues modeBefore;

    @org.junit.jupiter.api.BeforeAll
    static void kerasExtremes() {
        modeBefore = ExtremeValues.processMode();
        ExtremeValues.setMode(ExtremeValues.KERAS);
    }

    @org.junit.jupiter.api.AfterAll
    static void restoreExtremes() {
        ExtremeValues.setMode(modeBefore);
    }

    private static final int THREADS = 16;
    private static final int CALLS = 200;

    static final String CONV2D = """
            {"class_name": "Conv2D", "config": {"filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"}}""";
    static final String CONV1D_CAUSAL = """
            {"class_name": "Conv1D", "config": {"filters": 3, "kernel_size": 3, "dilation_rate": 2, "padding": "causal",
             "activation": "softsign"}}""";
    static final String SEPARABLE = """
            {"class_name": "SeparableConv2D", "config": {"filters": 5, "kernel_size": [3, 2], "depth_multiplier": 2,
             "activation": "sigmoid"}}""";
    static final String TRANSPOSE = """
            {"class_name": "Conv2DTranspose", "config": {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same",
             "activation": "softmax"}}""";
    static final String ZERO_PAD = """
            {"class_name": "ZeroPadding2D", "config": {"padding": [[1, 2], [0, 1]]}}""";

    /** Something callable on a float input of a shape. */
    interface Subject extends AutoCloseable {
        Tensor call(Tensor input);

        @Override
        void close();
    }

    record Item(String label, Subject subject, long[] shape, Tensor input, Subject twin) {
    }

    static Subject of(Layer l) {
        return new Subject() {
            public Tensor call(Tensor input) {
                return l.call(input);
            }

            public void close() {
                l.close();
            }
        };
    }

    static Subject of(Sequential m) {
        return new Subject() {
            public Tensor call(Tensor input) {
                return m.predict(input);
            }

            public void close() {
                m.close();
            }
        };
    }

    static Sequential model(long seed) {
        List<Layer> layers = new ArrayList<>();
        layers.add(Layers.fromConfig(Fixtures.json(CONV2D)));
        layers.add(Layers.fromConfig(Fixtures.json(ZERO_PAD)));
        layers.add(Layers.fromConfig(Fixtures.json(SEPARABLE)));
        Sequential m = Sequential.of("concurrent", layers, -1, 6, 6, 3);
        for (int i = 0; i < layers.size(); i++) {
            Fixtures.setRandomWeights(layers.get(i), seed + i);
        }
        return m;
    }

    @RepeatedTest(3)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void oneInstanceManyThreadsEveryResultBitwiseEqualsTheSingleThreadedOne() throws Exception {
        List<Item> items = new ArrayList<>();
        List<Subject> subjects = new ArrayList<>();
        Object[][] layers = {
            {"Conv2D", CONV2D, new long[][] {{1, 8, 8, 3}, {2, 8, 8, 3}, {1, 7, 9, 3}, {3, 5, 6, 3}}},
            {"Conv1D causal", CONV1D_CAUSAL, new long[][] {{1, 16, 2}, {2, 16, 2}, {1, 9, 2}, {4, 12, 2}}},
            {"SeparableConv2D", SEPARABLE, new long[][] {{1, 8, 8, 3}, {2, 6, 7, 3}, {1, 4, 4, 3}, {3, 9, 5, 3}}},
            {"Conv2DTranspose", TRANSPOSE, new long[][] {{1, 5, 5, 2}, {2, 4, 6, 2}, {1, 3, 3, 2}, {2, 7, 2, 2}}},
            {"ZeroPadding2D", ZERO_PAD, new long[][] {{1, 4, 4, 3}, {2, 5, 3, 3}, {1, 1, 1, 3}, {3, 6, 6, 1}}},
        };
        try {
            long seed = 100;
            for (Object[] spec : layers) {
                long[][] shapes = (long[][]) spec[2];
                Subject shared = of(Fixtures.layer((String) spec[1], seed, shapes[0]));
                Subject twin = of(Fixtures.layer((String) spec[1], seed, shapes[0]));
                subjects.add(shared);
                subjects.add(twin);
                for (long[] shape : shapes) {
                    items.add(new Item(spec[0] + " " + Arrays.toString(shape), shared, shape,
                            Tensor.of(Fixtures.input(seed++, shape), shape), twin));
                }
                seed += 10;
            }
            Subject sharedModel = of(model(7));
            Subject twinModel = of(model(7));
            subjects.add(sharedModel);
            subjects.add(twinModel);
            for (long batch = 1; batch <= 4; batch++) {
                long[] shape = {batch, 6, 6, 3};
                items.add(new Item("Sequential " + Arrays.toString(shape), sharedModel, shape,
                        Tensor.of(Fixtures.input(seed++, shape), shape), twinModel));
            }
            // NaN and infinities through the relu Conv2D: the path that restores Keras' values runs
            // concurrently too, its pre-activation pipeline first made during the concurrent phase
            Tensor special = items.get(1).input;
            special.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 5, Float.NaN);
            special.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 100, Float.NEGATIVE_INFINITY);
            special.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 300, Float.POSITIVE_INFINITY);
            // the shared instances see only their first shape before the concurrent phase
            for (Item it : items) {
                if (it.shape[0] == 1 && it != items.get(2)) {
                    try (Tensor y = it.subject.call(it.input)) {
                        y.elementCount();
                    }
                }
            }

            Map<Integer, float[]> firstResult = new ConcurrentHashMap<>();
            AtomicInteger calls = new AtomicInteger();
            List<String> mismatches = java.util.Collections.synchronizedList(new ArrayList<>());
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < CALLS; i++) {
                            // pairs of threads hit the same item at the same moment
                            int index = (thread / 2 + i * 5) % items.size();
                            Item it = items.get(index);
                            float[] got;
                            try (Tensor y = it.subject.call(it.input)) {
                                got = y.toFloatArray();
                            }
                            float[] first = firstResult.putIfAbsent(index, got);
                            if (first != null && !Fixtures.bitwiseEqual(first, got)) {
                                mismatches.add(it.label + " in thread " + thread + ", call " + i);
                            }
                            calls.incrementAndGet();
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(THREADS * CALLS, calls.get());
            assertTrue(mismatches.isEmpty(), mismatches.size() + " concurrent results differ from each other: "
                    + mismatches.subList(0, Math.min(10, mismatches.size())));
            // the single-threaded truth, from a twin instance that never ran concurrently
            for (int i = 0; i < items.size(); i++) {
                Item it = items.get(i);
                float[] want;
                try (Tensor y = it.twin.call(it.input)) {
                    want = y.toFloatArray();
                }
                assertTrue(firstResult.containsKey(i), it.label + " was never called concurrently");
                assertTrue(Fixtures.bitwiseEqual(want, firstResult.get(i)),
                        it.label + ": concurrent result differs from the single-threaded one");
            }
        } finally {
            items.forEach(it -> it.input.close());
            subjects.forEach(Subject::close);
        }
    }
}
