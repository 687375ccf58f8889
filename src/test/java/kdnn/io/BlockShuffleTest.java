package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import kdnn.Tensor;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tf.keras' {@code tf.nn.depth_to_space} and {@code tf.nn.space_to_depth} (TFOpLambda): an ESPCN
 * sub-pixel upscaler and a YOLOv2-style reorganization, against TensorFlow's index formula written
 * out here, in NHWC and NCHW, random sizes; each the other's inverse; written back to .h5 as the
 * same TFOpLambda; refused by .keras (Keras 3 has no such operation) and TF.js; TensorFlow's refusals.
 */
class BlockShuffleTest {
    /** TensorFlow's depth_to_space of (n, h, w, c) NHWC or (n, c, h, w) NCHW, by its definition. */
    private static float[] depthToSpace(float[] x, int n, int h, int w, int c, int b, boolean nchw) {
        int co = c / (b * b);
        float[] y = new float[x.length];
        for (int s = 0; s < n; s++) {
            for (int oh = 0; oh < h * b; oh++) {
                for (int ow = 0; ow < w * b; ow++) {
                    for (int k = 0; k < co; k++) {
                        int ic = ((oh % b) * b + ow % b) * co + k;
                        int in = nchw ? ((s * c + ic) * h + oh / b) * w + ow / b : ((s * h + oh / b) * w + ow / b) * c + ic;
                        int out = nchw ? ((s * co + k) * h * b + oh) * w * b + ow : ((s * h * b + oh) * w * b + ow) * co + k;
                        y[out] = x[in];
                    }
                }
            }
        }
        return y;
    }

    private static String model(String function, String shape, String kwargs) {
        return TfKerasOps.model(TfKerasOps.input(shape) + ", " + TfKerasOps.lambda("out", function, "x", kwargs), "out");
    }

    @Test
    void depthToSpaceAndBackAsTensorFlowDefinesThem(@TempDir Path dir) throws Exception {
        SplittableRandom r = new SplittableRandom(11);
        for (int trial = 0; trial < 24; trial++) {
            boolean nchw = trial % 2 == 1;
            int b = 2 + r.nextInt(3);
            int n = 1 + r.nextInt(2);
            int h = 1 + r.nextInt(4);
            int w = 1 + r.nextInt(4);
            int c = b * b * (1 + r.nextInt(3));
            String format = nchw ? "NCHW" : "NHWC";
            long[] shape = nchw ? new long[] {n, c, h, w} : new long[] {n, h, w, c};
            long[] spaceShape = nchw ? new long[] {n, c / (b * b), h * b, w * b} : new long[] {n, h * b, w * b, c / (b * b)};
            float[] x = new float[n * h * w * c];
            for (int i = 0; i < x.length; i++) x[i] = i == 3 ? Float.NaN : (float) r.nextGaussian();
            String kwargs = "{'block_size': " + b + ", 'data_format': '" + format + "', 'name': null}";
            Path up = Files.writeString(dir.resolve("up.json"), model("nn.depth_to_space", Shape.of(shape), kwargs));
            Path down = Files.writeString(dir.resolve("down.json"), model(trial % 4 == 3 ? "compat.v1.space_to_depth"
                    : "nn.space_to_depth", Shape.of(spaceShape), kwargs));
            try (Model toSpace = Models.load(up); Model toDepth = Models.load(down); Tensor in = Tensor.of(x, shape);
                 Tensor y = toSpace.predict(in); Tensor back = toDepth.predict(y)) {
                assertArrayEquals(spaceShape, y.shape(), format);
                assertArrayEquals(depthToSpace(x, n, h, w, c, b, nchw), y.toFloatArray(), 0f, format + " block " + b);
                assertArrayEquals(x, back.toFloatArray(), 0f, "space_to_depth undoes it, bit for bit");
                RoundTrips.predictSame(toSpace, dir, List.of(in), List.of("m.h5"));
            }
        }
    }

    @Test
    void anEspcnUpscalerIsWrittenAsTfKerasWroteItAndRefusedWhereNoFormHoldsIt(@TempDir Path dir) throws Exception {
        String config = TfKerasOps.model(TfKerasOps.input("[null, 5, 6, 1]") + ", "
                + "{'class_name': 'Conv2D', 'config': {'name': 'conv', 'filters': 9, 'kernel_size': [3, 3],"
                + " 'padding': 'same', 'activation': 'relu'}, 'name': 'conv', 'inbound_nodes': [[['x', 0, 0, {}]]]}, "
                + TfKerasOps.lambda("shuffle", "nn.depth_to_space", "conv", "{'block_size': 3, 'name': null}"), "shuffle");
        Path file = Files.writeString(dir.resolve("espcn.json"), config);
        // the convolution's weights: its own seeded initial ones, saved as Keras saves them
        String convOnly = TfKerasOps.model(TfKerasOps.input("[null, 5, 6, 1]") + ", "
                + "{'class_name': 'Conv2D', 'config': {'name': 'conv', 'filters': 9, 'kernel_size': [3, 3],"
                + " 'padding': 'same', 'activation': 'relu'}, 'name': 'conv', 'inbound_nodes': [[['x', 0, 0, {}]]]}", "conv");
        Path weights = dir.resolve("weights.h5");
        try (Model conv = kdnn.model.ModelConfigs.build(new com.fasterxml.jackson.databind.ObjectMapper().readTree(convOnly),
                (path, layer, expected) -> layer.getWeights())) {
            Models.save(conv, weights);
        }
        try (Model m = Models.load(file, weights)) {
            float[] x = new float[2 * 30];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i);
            try (Tensor in = Tensor.of(x, 2, 5, 6, 1); Tensor y = m.predict(in)) {
                assertArrayEquals(new long[] {2, 15, 18, 1}, y.shape());
                RoundTrips.predictSame(m, dir, List.of(in), List.of("m.h5"));
            }
            String h5 = new String(Files.readAllBytes(dir.resolve("m.h5")), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(h5.contains("nn.depth_to_space"), "written as tf.keras' TFOpLambda");
            for (String to : List.of("m.keras", "tfjs")) {
                var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve(to)));
                assertTrue(e.getMessage().contains("tf.nn.depth_to_space"), e.getMessage());
                assertFalse(Files.exists(dir.resolve(to)), "nothing written");
            }
        }
    }

    @Test
    void tensorFlowsRefusals(@TempDir Path dir) throws Exception {
        String[][] cases = {
            {"nn.depth_to_space", "[null, 2, 2, 6]", "{'block_size': 2}", "Input depth dimension 6 should be divisible by: 4"},
            {"nn.depth_to_space", "[null, 2, 2, 8]", "{'block_size': 1}", "Value for attr 'block_size' of 1 must be at least minimum 2"},
            {"nn.space_to_depth", "[null, 4, 5, 1]", "{'block_size': 2}", "Image width 5 and height 4 should be divisible by block_size: 2"},
            {"nn.space_to_depth", "[null, 4, 4]", "{'block_size': 2}", "input rank should be: 4 instead of: 3"},
            {"nn.depth_to_space", "[null, 2, 2, 8]", "{'block_size': 2, 'data_format': 'NCHW_VECT_C'}", "NCHW_VECT_C"},
            {"nn.depth_to_space", "[null, 2, 2, 8]", "{'data_format': 'NHWC'}", "block_size"},
        };
        for (String[] c : cases) {
            Path p = Files.writeString(dir.resolve("bad.json"), model(c[0], c[1], c[2]));
            var e = assertThrows(RuntimeException.class, () -> Models.load(p).close(), c[2]);
            assertTrue(e.getMessage().contains(c[3]), e.getMessage());
        }
    }

    /** A shape as a config's batch_input_shape, batch left open. */
    private static final class Shape {
        static String of(long[] s) {
            StringBuilder b = new StringBuilder("[null");
            for (int i = 1; i < s.length; i++) b.append(", ").append(s[i]);
            return b.append("]").toString();
        }
    }

    @Test
    void unknownSidesAreComputedAtTheCall(@TempDir Path dir) throws Exception {
        Path p = Files.writeString(dir.resolve("open.json"), model("nn.depth_to_space", "[null, null, null, 4]",
                "{'block_size': 2, 'name': null}"));
        try (Model m = Models.load(p); Tensor in = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 1, 2, 4);
             Tensor y = m.predict(in)) {
            assertArrayEquals(new long[] {1, 2, 4, 1}, y.shape());
            // pixel (0, 0)'s four channels fill the first 2x2 block
            assertArrayEquals(new float[] {1, 2, 5, 6, 3, 4, 7, 8}, y.toFloatArray(), 0f);
            assertEquals(8, y.toFloatArray().length);
        }
    }
}
