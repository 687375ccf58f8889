package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import kdnn.Concurrently;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.io.Models;
import kdnn.layers.Layer;
import kdnn.layers.Precision;
import kdnn.layers.Weight;
import kdnn.runtime.Convolutions;
import kdnn.runtime.ExecutionTrace;
import kdnn.runtime.Threads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A plan's steps bound once to a workspace and run as primitive sequences give, bit for bit, what
 * the same plan gives run step by step through the layers' calls (as a recorded call runs), and
 * stay right across what changes under them: the caller's buffers, weights (also while threads
 * predict), the precision, the thread count, a closed layer, calls from several threads.
 */
class BoundStepsTest {
    @ParameterizedTest
    @ValueSource(strings = {"mobilenet_v2_tiny", "resnet_tiny", "unet_skips", "wavenet_gated", "two_inputs_two_outputs",
            "nested"})
    void boundRunsGiveTheStepByStepResultsBitForBit(String name) throws IOException {
        try (Model model = load(name)) {
            long[][] shapes = shapes(model, 2);
            SplittableRandom r = new SplittableRandom(7);
            for (int call = 0; call < 3; call++) { // new input and output buffers every call
                List<Tensor> in = inputs(shapes, r);
                List<float[]> bound = values(model.predict(in));
                assertEqualBits(stepByStep(model, in), bound, name + " call " + call);
                in.forEach(Tensor::close);
            }
            assertTrue(model.boundPrimitives(shapes) > 0, name + ": no step ran bound");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mobilenet_v2_tiny", "wavenet_gated", "unet_skips"})
    void everyPrimitiveOfTheseNetsRunsInTheSequence(String name) throws IOException {
        try (Model model = load(name)) {
            long[][] shapes = shapes(model, 1);
            List<Tensor> in = inputs(shapes, new SplittableRandom(1));
            model.predict(in);
            List<ExecutionTrace.Step> trace = ExecutionTrace.record(() -> model.predict(in));
            long primitives = trace.stream().filter(s -> !s.java()).count();
            assertTrue(primitives > 10, "primitives recorded: " + primitives);
            assertEquals(primitives, model.boundPrimitives(shapes));
        }
    }

    @Test
    void weightsSetAfterBoundRunsAreThoseTheNextRunUses() throws IOException {
        try (Model model = load("mobilenet_v2_tiny")) {
            long[][] shapes = shapes(model, 2);
            List<Tensor> in = inputs(shapes, new SplittableRandom(3));
            List<float[]> before = values(model.predict(in));
            // a convolution's own weights, and a BatchNormalization the plan folded into one
            for (String cls : List.of("Conv2D", "BatchNormalization")) {
                Layer layer = model.allLayers().stream().filter(l -> l.className().equals(cls)).findFirst().orElseThrow();
                List<Weight> w = new ArrayList<>();
                for (Weight x : layer.getWeights()) {
                    float[] v = x.values().clone();
                    for (int i = 0; i < v.length; i++) v[i] = v[i] * 1.5f + (cls.equals("BatchNormalization") ? 0.25f : 0);
                    w.add(new Weight(x.name(), x.shape(), v));
                }
                layer.setWeights(w);
                List<float[]> after = values(model.predict(in));
                assertEqualBits(stepByStep(model, in), after, "after " + cls + ".setWeights");
                assertFalse(java.util.Arrays.equals(before.get(0), after.get(0)), cls + ": the new weights changed nothing");
                before = after;
            }
        }
    }

    @Test
    void weightsSetAgainAndAgainWhileBoundMakeNoNewContexts() throws IOException {
        try (Model model = load("mobilenet_v2_tiny")) {
            long[][] shapes = shapes(model, 1);
            List<Tensor> in = inputs(shapes, new SplittableRandom(4));
            // a Dense of its own, and a convolution whose weights reach a derived layer (BatchNormalization folded)
            List<Layer> changed = List.of(
                    model.allLayers().stream().filter(l -> l.className().equals("Dense")).findFirst().orElseThrow(),
                    model.allLayers().stream().filter(l -> l.className().equals("Conv2D")).findFirst().orElseThrow());
            model.predict(in).forEach(Tensor::close);
            // a setWeights while bound re-prepares the weights on the idle bound context, not on a new one
            int contexts = kdnn.runtime.Pipeline.liveContexts();
            for (int i = 0; i < 6; i++) {
                for (Layer l : changed) l.setWeights(scaled(l.getWeights(), i % 2 == 0 ? 2f : 0.5f));
                model.predict(in).forEach(Tensor::close);
            }
            // at most as many: a Cleaner may free a forgotten layer's contexts meanwhile, nothing here makes one
            int after = kdnn.runtime.Pipeline.liveContexts();
            assertTrue(after <= contexts, "contexts " + contexts + " before six setWeights and predictions, " + after + " after");
        }
    }

    @Test
    void aPrecisionChangeRebindsAndBackToFloat32GivesTheFirstValues() throws IOException {
        try (Model model = load("resnet_tiny")) {
            long[][] shapes = shapes(model, 2);
            List<Tensor> in = inputs(shapes, new SplittableRandom(5));
            List<float[]> f32 = values(model.predict(in));
            if (!Convolutions.bf16Supported()) return; // the refusal is Bf16ModelTest's
            model.setPrecision(Precision.BF16);
            List<float[]> bf16 = values(model.predict(in));
            assertEqualBits(stepByStep(model, in), bf16, "bf16");
            model.setPrecision(Precision.F32);
            assertEqualBits(f32, values(model.predict(in)), "float32 again");
        }
    }

    @Test
    void anotherThreadCountRebinds() throws IOException {
        int before = Threads.count();
        try (Model model = load("unet_skips")) {
            long[][] shapes = shapes(model, 1);
            List<Tensor> in = inputs(shapes, new SplittableRandom(9));
            model.predict(in);
            Threads.setCount(before == 1 ? 2 : 1);
            List<float[]> other = values(model.predict(in));
            assertEqualBits(stepByStep(model, in), other, "threads " + Threads.count());
            assertTrue(model.boundPrimitives(shapes) > 0);
        } finally {
            Threads.setCount(before);
        }
    }

    @Test
    void aClosedLayerStopsTheNextRunWithItsName() throws IOException {
        try (Model model = load("mobilenet_v2_tiny")) {
            long[][] shapes = shapes(model, 1);
            List<Tensor> in = inputs(shapes, new SplittableRandom(2));
            model.predict(in);
            // a layer the plan runs itself (a convolution's is a derived copy with its BatchNormalization folded in)
            Layer pooling = model.allLayers().stream().filter(l -> l.className().equals("GlobalAveragePooling2D"))
                    .findFirst().orElseThrow();
            pooling.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.predict(in));
            assertTrue(e.getMessage().contains("is closed"), e.getMessage());
        }
    }

    @Test
    void callsFromSeveralThreadsEachGetTheirOwnResults() throws Exception {
        try (Model model = load("resnet_tiny")) {
            long[][] shapes = shapes(model, 1);
            List<List<Tensor>> ins = new ArrayList<>();
            List<List<float[]>> want = new ArrayList<>();
            SplittableRandom seed = new SplittableRandom(11);
            for (int k = 0; k < 6; k++) {
                List<Tensor> in = inputs(shapes, seed);
                ins.add(in);
                want.add(stepByStep(model, in));
            }
            Concurrently.run(4, 12, r -> {
                int k = r.nextInt(ins.size());
                assertEqualBits(want.get(k), values(model.predict(ins.get(k))), "input " + k);
            });
        }
    }

    @Test
    void weightsSetWhileThreadsPredictGiveEachLayersOldOrNewValuesNeverAHang() throws Exception {
        try (Model model = load("resnet_tiny")) {
            long[][] shapes = shapes(model, 1);
            List<Tensor> in = inputs(shapes, new SplittableRandom(13));
            List<Layer> convs = model.allLayers().stream().filter(l -> l.className().equals("Conv2D")).limit(2).toList();
            List<List<Weight>> a = new ArrayList<>();
            List<List<Weight>> b = new ArrayList<>();
            for (Layer l : convs) {
                a.add(l.getWeights());
                b.add(scaled(l.getWeights(), 1.5f));
            }
            // the outputs for each layer's old (a) or new (b) weights: bit k of c says which layer k has
            List<List<float[]>> combos = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                for (int k = 0; k < 2; k++) convs.get(k).setWeights(((c >> k) & 1) == 0 ? a.get(k) : b.get(k));
                combos.add(stepByStep(model, in));
            }
            convs.get(0).setWeights(a.get(0));
            convs.get(1).setWeights(a.get(1));
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            for (int k = 0; k < 2; k++) {
                int layer = k;
                Thread t = new Thread(() -> {
                    try {
                        for (int i = 0; !done.get(); i++) convs.get(layer).setWeights(i % 2 == 0 ? b.get(layer) : a.get(layer));
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                t.start();
                writers.add(t);
            }
            try {
                org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(120), () ->
                        Concurrently.run(3, 40, r -> {
                            List<float[]> got = values(model.predict(in));
                            assertTrue(combos.stream().anyMatch(c -> sameBits(c, got)),
                                    "an output that is none of the four weight combinations'");
                        }));
            } finally {
                done.set(true);
                for (Thread t : writers) t.join();
            }
            if (failure.get() != null) throw new AssertionError(failure.get());
        }
    }

    private static List<Weight> scaled(List<Weight> weights, float factor) {
        List<Weight> out = new ArrayList<>();
        for (Weight x : weights) {
            float[] v = x.values().clone();
            for (int i = 0; i < v.length; i++) v[i] *= factor;
            out.add(new Weight(x.name(), x.shape(), v));
        }
        return out;
    }

    private static boolean sameBits(List<float[]> want, List<float[]> have) {
        for (int k = 0; k < want.size(); k++) {
            float[] w = want.get(k);
            float[] h = have.get(k);
            for (int i = 0; i < w.length; i++) {
                if (Float.floatToRawIntBits(w[i]) != Float.floatToRawIntBits(h[i])) return false;
            }
        }
        return true;
    }

    private static Model load(String name) throws IOException {
        Path dir = TestData.functionalModels().resolve(name);
        return Models.load(dir.resolve("model.keras"));
    }

    private static long[][] shapes(Model model, long batch) {
        long[][] shapes = new long[model.inputShapes().size()][];
        for (int i = 0; i < shapes.length; i++) {
            shapes[i] = model.inputShapes().get(i).clone();
            shapes[i][0] = batch;
        }
        return shapes;
    }

    private static List<Tensor> inputs(long[][] shapes, SplittableRandom r) {
        List<Tensor> in = new ArrayList<>();
        for (long[] s : shapes) {
            long n = 1;
            for (long d : s) n *= d;
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
            in.add(Tensor.of(v, s));
        }
        return in;
    }

    /** The model's outputs for {@code in}, its plan run step by step: a recorded call takes the layers' own calls. */
    private static List<float[]> stepByStep(Model model, List<Tensor> in) {
        List<List<float[]>> out = new ArrayList<>();
        ExecutionTrace.record(() -> out.add(values(model.predict(in))));
        return out.get(0);
    }

    private static List<float[]> values(List<Tensor> out) {
        List<float[]> v = new ArrayList<>();
        for (Tensor t : out) {
            v.add(t.toFloatArray());
            t.close();
        }
        return v;
    }

    private static void assertEqualBits(List<float[]> want, List<float[]> have, String what) {
        assertEquals(want.size(), have.size(), what);
        for (int k = 0; k < want.size(); k++) {
            int[] w = new int[want.get(k).length];
            int[] h = new int[have.get(k).length];
            for (int i = 0; i < w.length; i++) w[i] = Float.floatToRawIntBits(want.get(k)[i]);
            for (int i = 0; i < h.length; i++) h[i] = Float.floatToRawIntBits(have.get(k)[i]);
            assertArrayEquals(w, h, what + ", output " + k);
        }
    }
}
