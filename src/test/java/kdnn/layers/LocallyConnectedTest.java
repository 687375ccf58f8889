package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.io.Models;
import kdnn.model.Sequential;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LocallyConnected1D/2D against tf.keras' three implementations written out in double
 * ({@code ReferenceLocallyConnected}, through {@link ReferenceLayer}: the sliced windows of implementation 1, the masked dense
 * kernel of 2, the sorted sparse indices of 3), over random shapes, strides, both data formats,
 * "same" where Keras allows it and activations; Keras' refusals; a round trip through .h5.
 */
class LocallyConnectedTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] ACTIVATIONS = {"linear", "relu", "tanh", "softmax", "sigmoid", "elu"};

    private static Layer layer(String className, String config) throws Exception {
        return Layers.fromConfig(JSON.readTree(("{'class_name': '" + className + "', 'config': " + config + "}")
                .replace('\'', '"')));
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
        return v;
    }

    @Test
    void randomLayersComputeAsKerasImplementationsDo() throws Exception {
        // -Dkdnn.localCases=N draws more, -Dkdnn.localSeed=S other ones
        Random r = new Random(Long.getLong("kdnn.localSeed", 7));
        int cases = Integer.getInteger("kdnn.localCases", 240);
        for (int trial = 0; trial < cases; trial++) {
            int rank = 1 + r.nextInt(2);
            int implementation = 1 + r.nextInt(3);
            boolean same = implementation > 1 && r.nextBoolean();
            boolean channelsFirst = r.nextInt(3) == 0;
            int channels = 1 + r.nextInt(5);
            int filters = 1 + r.nextInt(6);
            int batch = 1 + r.nextInt(3);
            int[] kernel = new int[rank];
            int[] strides = new int[rank];
            int[] n = new int[rank];
            for (int a = 0; a < rank; a++) {
                kernel[a] = 1 + r.nextInt(4);
                strides[a] = 1 + r.nextInt(3);
                n[a] = (same ? 1 : kernel[a]) + r.nextInt(rank == 1 ? 12 : 7);
            }
            boolean bias = r.nextInt(4) != 0;
            String activation = ACTIVATIONS[r.nextInt(ACTIVATIONS.length)];
            String cls = "LocallyConnected" + rank + "D";
            String config = "{'filters': " + filters + ", 'kernel_size': " + json(kernel) + ", 'strides': " + json(strides)
                    + ", 'padding': '" + (same ? "same" : "valid") + "', 'data_format': '"
                    + (channelsFirst ? "channels_first" : "channels_last") + "', 'activation': '" + activation
                    + "', 'use_bias': " + bias + ", 'implementation': " + implementation + "}";
            int[] shape = new int[rank + 2];
            shape[0] = batch;
            shape[channelsFirst ? 1 : rank + 1] = channels;
            for (int a = 0; a < rank; a++) shape[(channelsFirst ? 2 : 1) + a] = n[a];
            int size = 1;
            for (int d : shape) size *= d;
            float[] x = random(r, size);
            try (Layer l = layer(cls, config); Tensor in = Tensor.of(x, shape)) {
                l.build(toLong(shape));
                List<Weight> weights = randomWeights(l, r);
                List<RefArray> refWeights = new ArrayList<>();
                for (Weight w : weights) refWeights.add(new RefArray(w.shape(), w.values()));
                RefArray want = ReferenceLayer.run(JSON.readTree(("{'class_name': '" + cls + "', 'config': " + config + "}")
                        .replace('\'', '"')), new RefArray(shape, x), refWeights);
                try (Tensor out = l.call(in)) {
                    String what = cls + " " + config + " on " + java.util.Arrays.toString(shape);
                    // oneDNN's reference kernels (ref:any) are slow, and its ref matmul turns sigmoid(NaN) into 0
                    List<String> primitives = l.implementations(toLong(shape));
                    assertTrue(primitives.stream().noneMatch(i -> i.contains("ref")), what + ": " + primitives);
                    assertArrayEquals(toLong(want.shape()), out.shape(), what);
                    float[] got = out.toFloatArray();
                    for (int i = 0; i < got.length; i++) {
                        float w = want.data()[i];
                        assertTrue(Math.abs(got[i] - w) <= 1e-5 + 1e-4 * Math.abs(w), what + " at " + i + ": " + got[i]
                                + " vs " + w);
                    }
                }
            }
        }
    }

    @Test
    void aStrideLongerThanTheInputGivesOnePosition() throws Exception {
        // found by HostileInputProperties with other seeds: the gather's buffer was sized for the
        // stride (2^31 - 1 columns), its allocation failed, and the failure was masked by a second close
        for (int implementation = 1; implementation <= 3; implementation++) {
            String config = "{'filters': 3, 'kernel_size': [3, 3], 'strides': 2147483647, 'implementation': "
                    + implementation + ", 'activation': 'relu'}";
            try (Layer l = layer("LocallyConnected2D", config)) {
                float[] x = random(new Random(implementation), 35);
                l.build(1, 7, 5, 1);
                List<RefArray> refWeights = new ArrayList<>();
                for (Weight w : randomWeights(l, new Random(3))) refWeights.add(new RefArray(w.shape(), w.values()));
                try (Tensor in = Tensor.of(x, 1, 7, 5, 1); Tensor out = l.call(in)) {
                    assertArrayEquals(new long[] {1, 1, 1, 3}, out.shape());
                    RefArray want = ReferenceLayer.run(JSON.readTree(("{'class_name': 'LocallyConnected2D', 'config': "
                            + config + "}").replace('\'', '"')), new RefArray(new int[] {1, 7, 5, 1}, x), refWeights);
                    assertArrayEquals(want.data(), out.toFloatArray(), 1e-5f);
                }
            }
        }
    }

    @Test
    void inAModelBetweenConvolutionsAsLayerByLayer() throws Exception {
        // a model keeps convolutions' values channels-last whatever their data_format; the locally
        // connected layer reads and writes Keras' own order, so the plan converts around it
        Random r = new Random(21);
        for (String format : List.of("channels_first", "channels_last")) {
            boolean first = format.equals("channels_first");
            Layer conv = layer("Conv2D", "{'name': 'conv', 'filters': 3, 'kernel_size': 3, 'padding': 'same',"
                    + " 'activation': 'relu', 'data_format': '" + format + "'}");
            Layer local = layer("LocallyConnected2D", "{'name': 'local', 'filters': 4, 'kernel_size': 2, 'strides': 2,"
                    + " 'data_format': '" + format + "', 'implementation': 3, 'padding': 'same'}");
            Layer after = layer("Conv2D", "{'name': 'after', 'filters': 2, 'kernel_size': 1, 'data_format': '" + format
                    + "'}");
            long[] shape = first ? new long[] {-1, 2, 7, 6} : new long[] {-1, 7, 6, 2};
            try (Sequential m = Sequential.of("mixed", List.of(conv, local, after), shape)) {
                for (Layer l : List.of(conv, local, after)) randomWeights(l, r);
                float[] x = random(r, 3 * 84);
                long[] in = shape.clone();
                in[0] = 3;
                for (kdnn.layers.Precision precision : List.of(kdnn.layers.Precision.F32, kdnn.layers.Precision.BF16)) {
                    if (precision == kdnn.layers.Precision.BF16 && !kdnn.runtime.Convolutions.bf16Supported()) continue;
                    m.setPrecision(precision);
                    try (Tensor t = Tensor.of(x, in); Tensor y = m.predict(t); Tensor a = conv.call(t); Tensor b = local.call(a);
                         Tensor want = after.call(b)) {
                        float tolerance = precision == kdnn.layers.Precision.F32 ? 1e-5f : 0.05f;
                        assertArrayEquals(want.toFloatArray(), y.toFloatArray(), tolerance, format + " " + precision);
                    }
                }
            }
        }
    }

    @Test
    void kernelShapesFollowTheImplementation() throws Exception {
        String base = "{'filters': 4, 'kernel_size': [3, 2], 'strides': [2, 1], 'implementation': ";
        try (Layer one = layer("LocallyConnected2D", base + "1}"); Layer two = layer("LocallyConnected2D", base + "2}");
             Layer twoFirst = layer("LocallyConnected2D", base + "2, 'data_format': 'channels_first'}");
             Layer three = layer("LocallyConnected2D", base + "3, 'padding': 'same'}")) {
            one.build(-1, 7, 5, 3);
            two.build(-1, 7, 5, 3);
            twoFirst.build(-1, 3, 7, 5);
            three.build(-1, 7, 5, 3);
            // output (3, 4) valid; (4, 5) same
            assertArrayEquals(new int[] {12, 18, 4}, one.weightSpecs().get(0).shape());
            assertArrayEquals(new int[] {3, 4, 4}, one.weightSpecs().get(1).shape());
            assertArrayEquals(new int[] {7, 5, 3, 3, 4, 4}, two.weightSpecs().get(0).shape());
            assertArrayEquals(new int[] {3, 7, 5, 4, 3, 4}, twoFirst.weightSpecs().get(0).shape());
            assertArrayEquals(new int[] {3, 4, 4}, twoFirst.weightSpecs().get(1).shape());
            // "same": windows start at 2 * o - 1 over rows (clipped), o - 1 over columns... (kernel 2: shift 1)
            // rows 7, kernel 3, stride 2: o = 0..3 cover [0,2), [1,4), [3,6), [5,7): 2 + 3 + 3 + 2 = 10
            // columns 5, kernel 2, stride 1: o = 0..4 cover [0,1), [0,2), [1,3), [2,4), [3,5): 1 + 2 + 2 + 2 + 2 = 9
            assertArrayEquals(new int[] {10 * 9 * 3 * 4}, three.weightSpecs().get(0).shape());
            assertArrayEquals(new long[] {2, 4, 5, 4}, three.computeOutputShape(new long[] {2, 7, 5, 3}));
        }
    }

    @Test
    void refusesWhatKerasRefuses() throws Exception {
        String[][] refused = {
                {"LocallyConnected2D", "{'filters': 2, 'kernel_size': 2, 'implementation': 4}", "Unrecognized implementation mode: 4"},
                {"LocallyConnected1D", "{'filters': 2, 'kernel_size': 2, 'padding': 'same'}",
                        "only \"valid\" is supported if implementation is 1"},
                {"LocallyConnected2D", "{'filters': 2, 'kernel_size': [2, 0]}", "kernel_size"},
                {"LocallyConnected1D", "{'filters': 2, 'kernel_size': 2, 'strides': 0}", "strides"},
                {"LocallyConnected1D", "{'filters': 0, 'kernel_size': 2}", "filters=0"},
                {"LocallyConnected1D", "{'filters': 2, 'kernel_size': 2, 'padding': 'causal', 'implementation': 2}", "causal"},
                {"LocallyConnected1D", "{'filters': 2, 'kernel_size': 2, 'dilation_rate': 2}", "dilation_rate"}};
        for (String[] c : refused) {
            var e = assertThrows(IllegalArgumentException.class, () -> layer(c[0], c[1]), c[1]);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
        // found by HostileInputProperties with other seeds: the window's size overflowed a long
        try (Layer huge = layer("LocallyConnected2D", "{'filters': 1, 'kernel_size': 2147483647, 'implementation': 2,"
                + " 'padding': 'same', 'data_format': 'channels_first'}")) {
            var e = assertThrows(IllegalArgumentException.class, () -> huge.build(2, 4, 6, 3));
            assertTrue(e.getMessage().contains("kernel_size"), e.getMessage());
        }
        try (Layer l = layer("LocallyConnected2D", "{'filters': 2, 'kernel_size': 3}")) {
            var small = assertThrows(IllegalArgumentException.class, () -> l.build(-1, 2, 5, 1));
            assertTrue(small.getMessage().contains("zero or negative value"), small.getMessage());
            var rank = assertThrows(IllegalArgumentException.class, () -> l.build(-1, 5, 1));
            assertTrue(rank.getMessage().contains("expected ndim=4, found ndim=3"), rank.getMessage());
            l.build(-1, 5, 5, 1);
            // the weights depend on the spatial size: another one is refused, a new batch size is not
            try (Tensor other = Tensor.zeros(1, 6, 6, 1); Tensor ok = Tensor.zeros(3, 5, 5, 1); Tensor out = l.call(ok)) {
                assertThrows(IllegalArgumentException.class, () -> l.call(other));
                assertArrayEquals(new long[] {3, 3, 3, 2}, out.shape());
            }
            var weights = assertThrows(IllegalArgumentException.class, () -> l.setWeights(List.of(
                    new Weight("kernel", new int[] {9, 8, 2}, new float[144]), new Weight("bias", new int[] {3, 3, 2},
                            new float[18]))));
            assertTrue(weights.getMessage().contains("not compatible"), weights.getMessage());
        }
    }

    @Test
    void configRoundTripsAndH5KeepsTheLayer(@TempDir Path dir) throws Exception {
        Random r = new Random(11);
        for (int implementation = 1; implementation <= 3; implementation++) {
            String config = "{'name': 'local', 'filters': 3, 'kernel_size': [2, 3], 'strides': [1, 2], 'padding': '"
                    + (implementation == 1 ? "valid" : "same") + "', 'data_format': 'channels_first', 'activation': 'relu',"
                    + " 'implementation': " + implementation + "}";
            Layer l = layer("LocallyConnected2D", config);
            JsonNode written = l.getConfig();
            assertEquals(implementation, written.get("implementation").asInt());
            try (Layer again = Layers.fromConfig(JSON.createObjectNode().put("class_name", "LocallyConnected2D")
                    .set("config", written))) {
                assertEquals(written, again.getConfig());
            }
            try (Sequential m = Sequential.of("lc", List.of(l), -1, 2, 6, 7)) {
                List<Weight> weights = randomWeights(l, r);
                Path file = dir.resolve("lc" + implementation + ".h5");
                Models.save(m, file);
                try (var back = Models.load(file); Tensor in = Tensor.of(random(r, 2 * 2 * 6 * 7), 2, 2, 6, 7);
                     Tensor a = m.predict(in); Tensor b = back.predict(in)) {
                    assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 0f);
                }
                var keras3 = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("lc.keras")));
                assertTrue(keras3.getMessage().contains("LocallyConnected2D"), keras3.getMessage());
                var tfjs = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("tfjs")));
                assertTrue(tfjs.getMessage().contains("no TF.js form"), tfjs.getMessage());
            }
        }
    }

    @Test
    void nanReachesTheOutputsItsWindowsCoverInKerasMode() throws Exception {
        // relu(NaN) is NaN in Keras; oneDNN's fused relu gives 0. A NaN at step 3 reaches outputs 1, 2, 3
        // (kernel 3, stride 1, "valid"): implementation 3 keeps only those connections, as 1 does
        for (int implementation = 1; implementation <= 3; implementation++) {
            try (Layer l = layer("LocallyConnected1D", "{'filters': 2, 'kernel_size': 3, 'activation': 'relu',"
                    + " 'implementation': " + implementation + "}")) {
                l.build(-1, 8, 1);
                List<Weight> weights = new ArrayList<>();
                for (WeightSpec spec : l.weightSpecs()) {
                    int count = 1;
                    for (int d : spec.shape()) count *= d;
                    float[] v = new float[count];
                    java.util.Arrays.fill(v, spec.name().equals("bias") ? -10f : 1f); // every finite output is 0
                    weights.add(new Weight(spec.name(), spec.shape(), v));
                }
                l.setWeights(weights);
                float[] x = {1, 1, 1, Float.NaN, 1, 1, 1, 1};
                l.setExtremes(ExtremeValues.KERAS);
                try (Tensor in = Tensor.of(x, 1, 8, 1); Tensor out = l.call(in)) {
                    float[] y = out.toFloatArray();
                    for (int p = 0; p < 6; p++) {
                        for (int f = 0; f < 2; f++) {
                            float v = y[p * 2 + f];
                            boolean covered = p >= 1 && p <= 3;
                            assertTrue(covered ? Float.isNaN(v) : v == 0f, "implementation " + implementation
                                    + ", position " + p + ": " + v);
                        }
                    }
                }
            }
        }
    }

    /** Sets random weights of the layer's own shapes; returns them. */
    private static List<Weight> randomWeights(Layer l, Random r) {
        List<Weight> weights = new ArrayList<>();
        for (WeightSpec spec : l.weightSpecs()) {
            int count = 1;
            for (int d : spec.shape()) count *= d;
            weights.add(new Weight(spec.name(), spec.shape(), random(r, count)));
        }
        l.setWeights(weights);
        return weights;
    }

    private static String json(int[] v) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) s.append(i > 0 ? ", " : "").append(v[i]);
        return s.append("]").toString();
    }

    private static long[] toLong(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }
}
