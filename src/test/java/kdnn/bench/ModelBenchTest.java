package kdnn.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import kdnn.layers.Activation;
import kdnn.layers.Conv1D;
import kdnn.layers.Conv2D;
import kdnn.layers.Conv2DTranspose;
import kdnn.layers.Conv3D;
import kdnn.layers.Cropping1D;
import kdnn.layers.DataFormat;
import kdnn.layers.Padding;
import kdnn.layers.UpSampling2D;
import kdnn.layers.UpSampling3D;
import kdnn.layers.ZeroPadding1D;
import kdnn.model.ModelFiles;
import kdnn.model.Sequential;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The per-layer native operations {@code kdnn bench --models} derives are consistent: each chains
 * from the layer's input to its output in oneDNN's logical dims, the golden models' layers map to
 * the operations they are made of, and the C comparator accepts every one of them (the golden
 * models at their real, small shapes; a synthetic model for the kinds they lack). Nothing here
 * times anything.
 */
class ModelBenchTest {

    @Test
    void theGoldenModelsAreFound() throws Exception {
        List<String> names = ModelBench.defaultModels().stream().map(p -> p.getFileName().toString()).toList();
        assertTrue(names.containsAll(List.of("audio_1d", "cnn_classifier")), names.toString());
    }

    @TestFactory
    Stream<DynamicTest> goldenModelOpsChainFromInputToOutput() throws Exception {
        return ModelBench.defaultModels().stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            try (kdnn.model.Model m = ModelFiles.load(dir)) {
                assertChains(m, ModelBench.layerOps(m, ModelBench.batch(dir, m).shape()));
            }
        }));
    }

    @Test
    void cnnClassifierLayersAreTheOperationsKerasDefines() throws Exception {
        Path dir = model("cnn_classifier");
        try (kdnn.model.Model m = ModelFiles.load(dir)) {
            List<ModelBench.LayerOps> ops = ModelBench.layerOps(m, ModelBench.batch(dir, m).shape());
            assertEquals(List.of("Conv2D", "ZeroPadding2D", "Conv2D", "SeparableConv2D", "Cropping2D", "Conv2D"),
                    ops.stream().map(ModelBench.LayerOps::className).toList());
            assertEquals(List.of(List.of("conv"), List.of("pad"), List.of("conv"), List.of("conv", "conv"), List.of("crop"),
                    List.of("conv", "softmax")), ops.stream().map(l -> l.ops().stream().map(o -> o.line().split(" ")[0])
                    .toList()).toList());
            // relu fused; the separable's depthwise step is grouped with neither bias nor activation
            assertTrue(ops.get(0).ops().get(0).line().endsWith(" 1 1 relu 0.0 0.0"), ops.get(0).ops().get(0).line());
            String depthwise = ops.get(3).ops().get(0).line();
            assertTrue(depthwise.startsWith("conv 2 2 ") && depthwise.endsWith(" 0 0"), depthwise);
            // softmax after a conv with no post-op, over the channels
            assertTrue(ops.get(5).ops().get(0).line().endsWith(" 1 0"), ops.get(5).ops().get(0).line());
            assertTrue(ops.get(5).ops().get(1).line().endsWith(" 1"), ops.get(5).ops().get(1).line());
            // kdnn folds the ZeroPadding; the benchmark still counts it as Keras' own layer
            assertTrue(m.stages().stream().anyMatch(s -> s.contains(" folded into ")), m.stages().toString());
        }
    }

    @Test
    void audio1dActivationsArePostOps() throws Exception {
        Path dir = model("audio_1d");
        try (kdnn.model.Model m = ModelFiles.load(dir)) {
            List<ModelBench.LayerOps> ops = ModelBench.layerOps(m, ModelBench.batch(dir, m).shape());
            assertEquals(List.of("relu", "tanh", "logistic"), ops.stream().map(l -> {
                String[] f = l.ops().get(0).line().split(" ");
                return f[f.length - 3];
            }).toList());
        }
    }

    @Test
    void theComparatorAcceptsEveryGoldenModelOperation() throws Exception {
        assumeGcc();
        List<String[]> lines = new ArrayList<>();
        for (Path dir : ModelBench.defaultModels()) {
            try (kdnn.model.Model m = ModelFiles.load(dir)) {
                lines.addAll(lines(m.name(), ModelBench.layerOps(m, ModelBench.batch(dir, m).shape())));
            }
        }
        assertTrue(lines.size() >= 10, "ops: " + lines.size());
        runAll(lines);
    }

    /** Kinds the golden models lack: deconvolution, no bias, two post-ops (selu), 3D, grouped, resampling, 1D padding and cropping, channels_first. */
    @Test
    void theComparatorAcceptsOtherLayerKinds() throws Exception {
        assumeGcc();
        try (Sequential m2 = Sequential.of("synthetic2d", List.of(
                     Conv2DTranspose.builder(3, 3).strides(2).padding(Padding.SAME).activation(Activation.SELU).name("t")
                             .build(),
                     UpSampling2D.builder().size(2, 3).name("up").build(),
                     Conv2D.builder(6, 3).groups(3).useBias(false).activation(Activation.RELU6).name("g").build(),
                     Conv2D.builder(4, 1).dataFormat(DataFormat.CHANNELS_FIRST).activation(Activation.SOFTMAX)
                             .name("cf").build()), -1, 5, 5, 2);
             Sequential m1 = Sequential.of("synthetic1d", List.of(
                     ZeroPadding1D.builder().padding(2, 1).name("zp").build(),
                     Conv1D.builder(4, 2).padding(Padding.CAUSAL).dilationRate(2).name("causal").build(),
                     Cropping1D.builder().cropping(1, 2).name("crop").build()), -1, 12, 3);
             Sequential m3 = Sequential.of("synthetic3d", List.of(
                     Conv3D.builder(2, 3).padding(Padding.SAME).activation(Activation.GELU).name("c3").build(),
                     UpSampling3D.builder().size(2, 1, 2).name("up3").build()), -1, 3, 4, 4, 2)) {
            List<String[]> lines = new ArrayList<>();
            for (Sequential m : List.of(m2, m1, m3)) {
                long[] shape = m.inputShape();
                shape[0] = 2;
                List<ModelBench.LayerOps> ops = ModelBench.layerOps(m, shape);
                assertChains(m, ops);
                lines.addAll(lines(m.name(), ops));
            }
            assertTrue(lines.stream().anyMatch(l -> l[1].startsWith("conv 1 ")), "a deconvolution");
            assertTrue(lines.stream().anyMatch(l -> l[1].contains(" elu ") && l[1].contains(" linear ")), "selu");
            assertTrue(lines.stream().anyMatch(l -> l[1].startsWith("resample 5 ")), "3D resampling");
            assertTrue(lines.stream().anyMatch(l -> l[1].startsWith("softmax 4 ") && l[1].endsWith(" 3")),
                    "channels_first softmax over W");
            runAll(lines);
        }
    }

    private static Path model(String name) throws Exception {
        return ModelBench.defaultModels().stream().filter(p -> p.getFileName().toString().equals(name)).findFirst()
                .orElseThrow();
    }

    private static void assumeGcc() {
        try {
            new ProcessBuilder("gcc", "--version").start().waitFor();
        } catch (Exception e) {
            org.junit.jupiter.api.Assumptions.abort("no gcc on this machine");
        }
    }

    private static List<String[]> lines(String model, List<ModelBench.LayerOps> layers) {
        List<String[]> out = new ArrayList<>();
        for (ModelBench.LayerOps l : layers) {
            for (int j = 0; j < l.ops().size(); j++) out.add(new String[] {model + "/" + l.layer() + "#" + j, l.ops().get(j).line()});
        }
        return out;
    }

    /** Every line makes a primitive and runs it (one timed call each; the numbers are not looked at). */
    private static void runAll(List<String[]> lines) throws Exception {
        try (NativeBench.Session s = NativeBench.start(1, new Timing.Budget(0, 0, 1))) {
            for (String[] l : lines) {
                double first = s.op(l[0], l[1]);
                assertTrue(first > 0, l[0]);
                assertTrue(s.measure().samples() >= 1, l[0]);
            }
        }
    }

    /** Each layer's operations go from its input's logical dims to its output's, each from the last one's output. */
    private static void assertChains(kdnn.model.Model m, List<ModelBench.LayerOps> layers) {
        for (ModelBench.LayerOps l : layers) {
            assertTrue(!l.ops().isEmpty(), l.layer() + ": no operations");
            boolean cf = m.layers().stream().filter(x -> x.name().equals(l.layer())).findFirst().orElseThrow()
                    .getConfig().path("data_format").asText().equals("channels_first");
            long[] current = logical(l.inputShape(), cf);
            for (ModelBench.NativeOp op : l.ops()) {
                long[][] io = srcDst(op.line());
                assertArrayEquals(current, io[0], l.layer() + ": " + op.line());
                current = io[1];
            }
            assertArrayEquals(logical(l.outputShape(), cf), current, l.layer() + ": the last operation's output");
        }
    }

    /** {N, C, spatial...} of a Keras shape. */
    private static long[] logical(long[] shape, boolean channelsFirst) {
        int rank = shape.length - 2;
        long[] d = new long[shape.length];
        d[0] = shape[0];
        d[1] = channelsFirst ? shape[1] : shape[rank + 1];
        for (int i = 0; i < rank; i++) d[2 + i] = shape[(channelsFirst ? 2 : 1) + i];
        return d;
    }

    private static long[] longs(String[] f, int from, int to) {
        return Arrays.stream(f, from, to).mapToLong(Long::parseLong).toArray();
    }

    /** The source and destination dims of an OP line (see native/bench_conv.c), checking its token count. */
    private static long[][] srcDst(String line) {
        String[] f = line.split(" ");
        switch (f[0]) {
            case "conv" -> {
                int sp = Integer.parseInt(f[2]), nd = sp + 2;
                long[] src = longs(f, 3, 3 + nd);
                int wnd = Integer.parseInt(f[3 + nd]);
                int at = 4 + nd + wnd;
                long[] dst = longs(f, at, at + nd);
                at += nd + 4 * sp;
                longs(f, 4 + nd, at); // weights and geometry are integers
                int npost = Integer.parseInt(f[at + 1]);
                assertEquals(at + 2 + 3 * npost, f.length, "token count of " + line);
                return new long[][] {src, dst};
            }
            case "softmax" -> {
                int nd = Integer.parseInt(f[1]);
                assertEquals(nd + 3, f.length, "token count of " + line);
                long[] d = longs(f, 2, 2 + nd);
                return new long[][] {d, d};
            }
            default -> {
                int nd = Integer.parseInt(f[1]);
                assertEquals(2 + nd * (f[0].equals("resample") ? 2 : 3), f.length, "token count of " + line);
                return new long[][] {longs(f, 2, 2 + nd), longs(f, 2 + nd, 2 + 2 * nd)};
            }
        }
    }
}
