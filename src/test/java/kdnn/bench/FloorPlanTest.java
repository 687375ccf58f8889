package kdnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import kdnn.Tensor;
import kdnn.TestData;
import kdnn.layers.ExtremeValues;
import kdnn.model.Model;
import kdnn.model.ModelFiles;
import kdnn.runtime.Convolutions;
import kdnn.runtime.ExecutionTrace;
import kdnn.runtime.Pipeline;
import kdnn.runtime.ShapeOps;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The floor of {@code kdnn bench --models}: a prediction's trace lists the plan's own oneDNN
 * primitives in order, fusions included, with their arguments where the call had them; its
 * {@link FloorPlan} shares buffers as the call did; and {@code native/bench_conv.c} creates the
 * same primitives (the same oneDNN implementations) from it and times them. Nothing here checks
 * a speed.
 */
class FloorPlanTest {
    private static final long[] SHAPE = {2, 32, 32, 3};

    /** ResNet-shaped: conv + BN + ReLU, max pooling, residual blocks (the Add and its ReLU fused), pooling, softmax Dense. */
    private static Model resnetTiny() throws IOException {
        return ModelFiles.load(TestData.functionalModels().resolve("resnet_tiny"));
    }

    private static List<ExecutionTrace.Step> trace(Model m) {
        try (Tensor in = Tensor.of(TestData.random(new java.util.SplittableRandom(3), 2 * 32 * 32 * 3), SHAPE);
             Tensor y = Tensor.uninitialized(m.outputShape(SHAPE))) {
            m.predict(in, y);
            return ExecutionTrace.record(() -> m.predict(in, y));
        }
    }

    @Test
    void theTraceListsThePlansPrimitivesInOrderWithTheirFusions() throws Exception {
        try (Model m = resnetTiny()) {
            List<ExecutionTrace.Step> t = trace(m);
            String conv = "convolution_forward";
            assertEquals(List.of(conv, "pooling_forward", conv, conv, conv, conv, conv, conv, conv, "pooling_forward",
                    "inner_product_forward", "softmax_forward"), t.stream().map(ExecutionTrace.Step::kind).toList());
            String[] lines = t.stream().map(ExecutionTrace.Step::replay).toArray(String[]::new);
            // BatchNormalization folded, ReLU a post-op, weights left to oneDNN (any), channels-last activations
            assertTrue(lines[0].matches("conv \\d+ f32:2x3x32x32:3072x1x96x3 f32:16x3x3x3:any f32:16:1"
                    + " f32:2x16x32x32:16384x1x512x16 1 1 0 0 1 1 1 1 post 1 relu 0.0 0.0"), lines[0]);
            assertTrue(lines[1].matches("pool \\d+ max .* 3 3 2 2 0 0 1 1"), lines[1]);
            // each block's Add is a sum into the shortcut's buffer, its ReLU after it
            for (int i : new int[] {3, 6, 8}) assertTrue(lines[i].endsWith(" post 2 sum 1.0 relu 0.0 0.0"), lines[i]);
            assertTrue(lines[4].endsWith(" 2 2 0 0 0 0 0 0 post 0"), "the strided 1x1 shortcut: " + lines[4]);
            assertTrue(lines[11].matches("softmax \\d+ accurate f32:2x10:10x1 f32:2x10:10x1 1"), lines[11]);
            // the first block sums into the pooling's output, in place
            assertEquals(arg(t.get(1), "dst").address(), arg(t.get(3), "dst").address());
            assertEquals(arg(t.get(11), "src").address(), arg(t.get(11), "dst").address());
            for (ExecutionTrace.Step s : t) {
                assertTrue(!s.java() && !s.implementation().isEmpty(), s.toString());
                assertTrue(s.args().stream().allMatch(a -> a.bytes() > 0 && a.address() != 0), s.toString());
            }
        }
    }

    @Test
    void theKerasModesInputScanIsAStepTheFloorLeavesOut() throws Exception {
        try (Model m = resnetTiny()) {
            m.setExtremes(ExtremeValues.KERAS);
            List<ExecutionTrace.Step> t = trace(m);
            assertTrue(t.stream().anyMatch(s -> s.java() && s.kind().startsWith("input scan for NaN")), t.toString());
            FloorPlan plan = FloorPlan.of(t);
            assertTrue(plan.ops() > 0 && !plan.left().isEmpty(), plan.left().toString());
        }
    }

    @Test
    void bufferSharingIsKept() throws Exception {
        try (Model m = resnetTiny()) {
            FloorPlan plan = FloorPlan.of(trace(m));
            assertEquals(0, plan.threadMismatches(), "every primitive ran with the count it was created for");
            assertEquals(12, plan.ops());
            assertTrue(plan.left().isEmpty(), plan.left().toString());
            String[] body = plan.body().split("\n");
            String[] head = body[0].split(" ");
            int buffers = Integer.parseInt(head[0]);
            assertEquals(12, Integer.parseInt(head[buffers + 1]));
            assertEquals(13, body.length);
            // the residual: the pooling's output buffer is the first block's sum destination
            assertEquals(bound(body[2], "dst"), bound(body[4], "dst"));
            assertEquals(bound(body[12], "src"), bound(body[12], "dst"));
        }
    }

    @Test
    void benchConvReplaysThePlanWithTheSameImplementations() throws Exception {
        Assumptions.assumeTrue(gcc(), "gcc is not installed: bench_conv cannot be compiled");
        try (Model m = resnetTiny()) {
            FloorPlan plan = FloorPlan.of(trace(m));
            try (NativeBench.Session s = NativeBench.start(1, new Timing.Budget(5, 20, 3))) {
                NativeBench.Session.PlanStart started = s.plan("resnet_tiny", plan.body());
                assertTrue(started.firstCallUs() > 0);
                assertEquals(List.of(), plan.implementationMismatches(started.implementations()));
                Timing.Result r = s.measure();
                assertTrue(r.medianUs() > 0 && r.samples() >= 3, r.toString());
                // a second plan replaces the first
                s.plan("again", plan.body());
                assertTrue(s.measure().medianUs() > 0);
            }
        }
    }

    /**
     * The replay computes on the call's own values: what its primitives read before any of them
     * wrote it (the input, the weights and biases; nothing in between) goes to bench_conv as it was.
     */
    @Test
    void theDataHandedToTheReplayAreTheCallsInputAndWeights(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        float[] x = TestData.random(new java.util.SplittableRandom(3), 2 * 32 * 32 * 3);
        try (Model m = resnetTiny(); Tensor in = Tensor.of(x, SHAPE); Tensor y = Tensor.uninitialized(m.outputShape(SHAPE))) {
            m.predict(in, y);
            List<ExecutionTrace.Step> t = ExecutionTrace.record(() -> m.predict(in, y));
            FloorPlan plan = FloorPlan.of(t);
            long constants = t.stream().flatMap(s -> s.args().stream())
                    .filter(a -> List.of("weights", "bias").contains(a.name())).mapToLong(ExecutionTrace.Arg::bytes).sum();
            long read = plan.firstReads().stream().mapToLong(r -> r[2]).sum();
            assertEquals(4L * x.length + constants, read, "the input's bytes and every weight and bias, once");
            for (long[] r : plan.firstReads()) {
                for (ExecutionTrace.Step s : t) {
                    ExecutionTrace.Arg d = arg(s, "dst");
                    assertTrue(r[3] + r[2] <= d.address() || d.address() + d.bytes() <= r[3], "no value a primitive writes");
                }
            }
            java.nio.file.Path file = dir.resolve("tiny data.bin"); // a space in the path: the rest of the line
            String command = plan.writeData(file);
            assertEquals(read, java.nio.file.Files.size(file));
            // the input, where the first convolution reads it, holds the call's values
            long src = arg(t.get(0), "src").address();
            long[] at = plan.firstReads().stream().filter(r -> r[3] <= src && src < r[3] + r[2]).findFirst().orElseThrow();
            long before = plan.firstReads().stream().takeWhile(r -> r != at).mapToLong(r -> r[2]).sum();
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(file))
                    .order(java.nio.ByteOrder.nativeOrder());
            for (int i = 0; i < x.length; i++) {
                assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(bytes.getFloat((int) (before + src - at[3]) + 4 * i)));
            }
            if (gcc()) {
                try (NativeBench.Session s = NativeBench.start(1, new Timing.Budget(5, 20, 3))) {
                    s.plan("resnet_tiny", plan.body());
                    assertEquals(read, s.data(command));
                    assertTrue(s.measure().medianUs() > 0);
                }
                // a range past its buffer ends the replay, which the runner reports
                try (NativeBench.Session s = NativeBench.start(1, new Timing.Budget(5, 20, 3))) {
                    s.plan("resnet_tiny", plan.body());
                    org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                            () -> s.data("DATA 1 b0+0:" + Long.MAX_VALUE / 2 + " " + file.toAbsolutePath()));
                } catch (IOException exited) {
                    assertTrue(exited.getMessage().contains("exited with 2"), exited.getMessage());
                }
            }
        }
    }

    /**
     * The normalization layers around convolutions: Rescaling's linear steps, GroupNormalization's
     * group normalization, LayerNormalization's over the last axis and its reductions and binaries
     * over another all replay in C.
     */
    @Test
    void benchConvReplaysTheNormalizationLayers() throws Exception {
        Assumptions.assumeTrue(gcc(), "gcc is not installed: bench_conv cannot be compiled");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<kdnn.layers.Layer> layers = new java.util.ArrayList<>();
        for (String c : new String[] {
                "{'class_name':'Rescaling','config':{'name':'rescale','scale':0.5,'offset':-1}}",
                "{'class_name':'Conv2D','config':{'name':'conv','filters':8,'kernel_size':3}}",
                "{'class_name':'GroupNormalization','config':{'name':'gn','groups':4}}",
                "{'class_name':'LayerNormalization','config':{'name':'ln','axis':-1}}",
                "{'class_name':'LayerNormalization','config':{'name':'ln_h','axis':1}}"}) {
            layers.add(kdnn.layers.Layers.fromConfig(json.readTree(c.replace('\'', '"'))));
        }
        try (Model m = kdnn.model.Sequential.of("norms", layers, -1, 32, 32, 3)) {
            FloorPlan plan = FloorPlan.of(trace(m));
            assertTrue(plan.kinds().containsAll(List.of("group_normalization_forward", "layer_normalization_forward",
                    "reduction", "binary")), plan.kinds().toString());
            assertTrue(plan.left().isEmpty(), plan.left().toString());
            try (NativeBench.Session s = NativeBench.start(1, new Timing.Budget(5, 20, 3))) {
                assertEquals(List.of(), plan.implementationMismatches(s.plan("norms", plan.body()).implementations()));
                assertTrue(s.measure().medianUs() > 0);
            }
        }
    }

    /** Zero padding: a Java step (the zero fill, left out) and a reorder into a window of the output (a submemory). */
    @Test
    void aWindowIsReplayedAndAJavaStepLeftOut() throws Exception {
        Assumptions.assumeTrue(gcc(), "gcc is not installed: bench_conv cannot be compiled");
        int nhwc = Convolutions.channelsLastTag(2);
        try (Pipeline p = ShapeOps.pad(new long[] {1, 3, 4, 4}, new long[] {1, 3, 6, 7}, new long[] {0, 0, 1, 2}, nhwc, nhwc);
             Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocate(4 * 3 * 4 * 4, 64);
            MemorySegment out = a.allocate(4 * 3 * 6 * 7, 64);
            FloorPlan plan = FloorPlan.of(ExecutionTrace.record(() -> p.execute(in, out)));
            assertEquals(List.of("reorder"), plan.kinds());
            assertEquals(List.of("java step on the output"), plan.left());
            // the window starts 1 row (7 x 3 values) and 2 columns (2 x 3) in
            assertTrue(plan.body().contains(" f32:1x3x4x4:126x1x21x3+27 "), plan.body());
            try (NativeBench.Session s = NativeBench.start(1, new Timing.Budget(5, 20, 3))) {
                assertEquals(List.of(), plan.implementationMismatches(s.plan("pad", plan.body()).implementations()));
                assertTrue(s.measure().medianUs() > 0);
            }
        }
    }

    @Test
    void stepsWithoutAReplayAreLeftOutAndOverlapsMerged() {
        ExecutionTrace.Arg src = new ExecutionTrace.Arg("src", 6400, 256);
        ExecutionTrace.Arg window = new ExecutionTrace.Arg("dst", 6464, 64); // inside src's range
        ExecutionTrace.Arg other = new ExecutionTrace.Arg("dst", 10000, 16); // 1808 bytes into its page
        List<ExecutionTrace.Step> trace = List.of(
                new ExecutionTrace.Step("reorder", "reorder 1 A B", "jit:uni", List.of(src, window), 1),
                new ExecutionTrace.Step("java step on the output", null, "java", List.of(), 0),
                new ExecutionTrace.Step("reorder", "reorder 1 ? B", "jit:uni", List.of(src, other), 1),
                new ExecutionTrace.Step("eltwise_forward", "eltwise 1 relu 0.0 0.0 A A", "jit:avx2", List.of(src, other), 2));
        FloorPlan plan = FloorPlan.of(trace);
        assertEquals(List.of("reorder", "eltwise_forward"), plan.kinds());
        assertEquals(List.of(1, 2), plan.ompThreads());
        assertEquals(1, plan.threadMismatches(), "the eltwise was created for 1 thread and ran with 2");
        assertEquals(2, plan.left().size());
        assertTrue(plan.left().get(1).startsWith("reorder on a layout kdnn did not make"), plan.left().toString());
        // buffers from the page each range starts in: one for src and its window, one for the other
        assertEquals("2 2560 1824 2\nreorder 1 A B args 2 src=b0+2304 dst=b0+2368\n"
                + "eltwise 1 relu 0.0 0.0 A A args 2 src=b0+2304 dst=b1+1808\n", plan.body());
        assertEquals(List.of("op 1 (eltwise_forward): kdnn jit:avx2, replay ref:any"),
                plan.implementationMismatches(List.of("jit:uni", "ref:any")));
    }

    private static ExecutionTrace.Arg arg(ExecutionTrace.Step s, String name) {
        return s.args().stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow(() ->
                new AssertionError(s + " has no " + name));
    }

    /** The buffer and offset an op line binds its argument {@code name} to ({@code b3+0}). */
    private static String bound(String line, String name) {
        for (String w : line.substring(line.indexOf(" args ")).split(" ")) {
            if (w.startsWith(name + "=")) return w.substring(name.length() + 1);
        }
        throw new AssertionError(line + " binds no " + name);
    }

    private static boolean gcc() {
        try {
            return new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
