package kdnn.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.io.Models;
import kdnn.layers.BatchNormalization;
import kdnn.layers.Conv2D;
import kdnn.layers.Layer;
import kdnn.layers.Padding;
import kdnn.layers.ReLU;
import kdnn.model.Functional;
import kdnn.model.GraphReference;
import kdnn.model.KerasTensor;
import kdnn.model.Model;
import kdnn.reference.RefArray;
import org.junit.jupiter.api.Test;

/** The threading, lifecycle and weight guarantees of models that are graphs (fused, with shared plans). */
class GraphReliabilityTest {
    private static Model resnet() throws Exception {
        return Models.load(TestData.functionalModels().resolve("resnet_tiny"));
    }

    private static Tensor input(long seed, int batch) {
        return Tensor.of(TestData.random(new SplittableRandom(seed), batch * 32 * 32 * 3), (long) batch, 32, 32, 3);
    }

    @Test
    void sixteenThreadsOnOneFunctionalModelGiveTheSingleThreadedResultBitwise() throws Exception {
        try (Model model = resnet(); Model twin = resnet()) {
            // two batch sizes: the second plan is made while other threads run the first
            Tensor[] inputs = {input(1, 2), input(2, 3)};
            float[][] want = new float[inputs.length][];
            for (int i = 0; i < inputs.length; i++) {
                try (Tensor out = twin.predict(inputs[i])) {
                    want[i] = out.toFloatArray();
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(16);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    int mismatches = 0;
                    for (int k = 0; k < 12; k++) {
                        int which = (thread + k) % 2;
                        try (Tensor out = model.predict(inputs[which])) {
                            if (!java.util.Arrays.equals(want[which], out.toFloatArray())) mismatches++;
                        }
                    }
                    return mismatches;
                }));
            }
            start.countDown();
            int mismatches = 0;
            for (Future<Integer> f : done) mismatches += f.get();
            pool.shutdown();
            assertEquals(0, mismatches, "predictions that differ from the single-threaded twin");
            for (Tensor t : inputs) t.close();
        }
    }

    @Test
    void closingAFunctionalModelWhileOthersPredictGivesRightResultsOrIllegalStateNeverACrash() throws Exception {
        float[] want;
        try (Model twin = resnet(); Tensor in = input(3, 1); Tensor out = twin.predict(in)) {
            want = out.toFloatArray();
        }
        AtomicInteger right = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Tensor in = input(3, 1)) {
            for (int round = 0; round < 4; round++) {
                Model model = resnet();
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> calls = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    calls.add(pool.submit(() -> {
                        start.await();
                        // predict until the close is seen: every call before it is right, the first after it refused
                        for (int k = 0; k < 100_000; k++) {
                            try (Tensor o = Tensor.zeros(1, 10)) {
                                model.predict(List.of(in), List.of(o));
                                assertArrayEquals(want, o.toFloatArray());
                                right.incrementAndGet();
                            } catch (IllegalStateException e) {
                                assertTrue(e.getMessage().contains("closed"), e.getMessage());
                                refused.incrementAndGet();
                                return null;
                            }
                        }
                        return null;
                    }));
                }
                start.countDown();
                Thread.sleep(round * 5L);
                model.close();
                for (Future<?> f : calls) f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(4 * 3, refused.get(), "each caller ends on a refusal: " + right.get() + " right, " + refused.get()
                + " refused");
        assertTrue(right.get() > 0, "some calls ran before the close");
    }

    @Test
    void setWeightsAfterAPredictionChangesTheNextOneThroughTheFoldedLayers() {
        Conv2D conv = Conv2D.builder(4, 3).name("conv").padding(Padding.SAME).build();
        BatchNormalization bn = BatchNormalization.builder().name("bn").build();
        ReLU relu = ReLU.builder().name("relu").build();
        KerasTensor x = KerasTensor.input("x", -1, 6, 6, 3);
        try (Functional m = Functional.of("folded", List.of(x), List.of(relu.apply(bn.apply(conv.apply(x)))));
             Tensor in = GraphReference.tensor(GraphReference.random(1, 2, 6, 6, 3))) {
            assertEquals(List.of("conv"), m.stages()); // bn and relu are folded into a derived convolution
            RefArray ref = GraphReference.random(1, 2, 6, 6, 3);
            for (int round = 0; round < 3; round++) {
                for (Layer l : round == 1 ? List.<Layer>of(bn) : List.<Layer>of(conv, bn)) {
                    GraphReference.randomizeWeights(l, 100 + round * 10 + l.name().length());
                }
                try (Tensor out = m.predict(in)) {
                    GraphReference.assertClose(GraphReference.layer(relu, GraphReference.layer(bn, GraphReference.layer(conv, ref))),
                            out, 1e-4);
                }
            }
        }
    }
}
