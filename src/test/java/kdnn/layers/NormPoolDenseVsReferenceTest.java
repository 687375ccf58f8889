package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceNormPoolDense;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Randomized configurations of BatchNormalization, Dense and every pooling layer, Keras 3's adaptive
 * ones too (both data formats, odd sizes, every argument), run by oneDNN and by the pure-Java reference on the same
 * config, input and weights.
 */
class NormPoolDenseVsReferenceTest {
    private static final String[] ACTIVATIONS = {"linear", "relu", "relu6", "elu", "selu", "softplus", "softsign",
        "tanh", "sigmoid", "hard_sigmoid", "softmax", "log_softmax", "swish", "silu", "gelu", "mish", "exponential",
        "leaky_relu", "celu", "hard_tanh", "sparse_sigmoid", "log_sigmoid", "tanh_shrink", "soft_shrink", "hard_shrink", "sparse_plus", "squareplus",
        "sparsemax"};
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @TestFactory
    Stream<DynamicTest> randomConfigurationsMatchTheReference() {
        return IntStream.range(0, 360).mapToObj(i -> {
            Case c = randomCase(new SplittableRandom(7000 + i));
            return DynamicTest.dynamicTest(i + " " + c.layer.get("class_name").asText() + " " + c.layer.get("config")
                    + " input " + Arrays.toString(c.shape), () -> check(c, new SplittableRandom(i)));
        });
    }

    private record Case(ObjectNode layer, int[] shape) {
    }

    private static Case randomCase(SplittableRandom r) {
        ObjectNode cfg = F.objectNode();
        int kind = r.nextInt(5);
        String cls;
        int[] shape;
        if (kind == 4) {
            // adaptive: windows that divide (one oneDNN pooling) or vary and overlap (Java), outputs larger than inputs too
            int rank = 1 + r.nextInt(3);
            cls = "Adaptive" + (r.nextBoolean() ? "Max" : "Average") + "Pooling" + rank + "D";
            boolean cf = r.nextBoolean();
            if (cf || r.nextBoolean()) cfg.put("data_format", cf ? "channels_first" : "channels_last");
            int[] spatial = new int[rank];
            int[] out = new int[rank];
            boolean divides = r.nextBoolean();
            for (int a = 0; a < rank; a++) {
                out[a] = 1 + r.nextInt(rank == 3 ? 3 : 5);
                spatial[a] = divides ? out[a] * (1 + r.nextInt(3)) : 1 + r.nextInt(rank == 3 ? 7 : 12);
            }
            if (rank == 1 && r.nextBoolean() || java.util.Arrays.stream(out).distinct().count() == 1 && r.nextBoolean()) {
                cfg.put("output_size", out[0]);
            } else {
                ArrayNode size = cfg.putArray("output_size");
                for (int o : out) size.add(o);
            }
            shape = shape(1 + r.nextInt(3), spatial, 1 + r.nextInt(rank == 3 ? 5 : 20), cf);
        } else if (kind == 0 || kind == 1) {
            int rank = 1 + r.nextInt(3);
            boolean global = kind == 1;
            cls = (global ? "Global" : "") + (r.nextBoolean() ? "Max" : "Average") + "Pooling" + rank + "D";
            boolean cf = r.nextBoolean();
            cfg.put("data_format", cf ? "channels_first" : "channels_last");
            int[] spatial = new int[rank];
            for (int a = 0; a < rank; a++) spatial[a] = 1 + r.nextInt(rank == 3 ? 6 : 9);
            if (global) {
                cfg.put("keepdims", r.nextBoolean());
            } else {
                ArrayNode pool = cfg.putArray("pool_size");
                ArrayNode strides = F.arrayNode();
                boolean same = r.nextBoolean();
                for (int a = 0; a < rank; a++) {
                    int k = 1 + r.nextInt(same ? 4 : spatial[a]);
                    pool.add(k);
                    strides.add(1 + r.nextInt(3));
                }
                if (r.nextInt(4) == 0) cfg.putNull("strides"); else cfg.set("strides", strides);
                cfg.put("padding", same ? (r.nextBoolean() ? "same" : "SAME") : "valid");
            }
            int channels = 1 + r.nextInt(5);
            shape = shape(1 + r.nextInt(3), spatial, channels, cf);
        } else if (kind == 2) {
            cls = "BatchNormalization";
            int rank = 2 + r.nextInt(4);
            shape = new int[rank];
            for (int a = 0; a < rank; a++) shape[a] = 1 + r.nextInt(rank > 3 ? 4 : 7);
            int axis = 1 + r.nextInt(rank - 1);
            if (r.nextBoolean()) cfg.put("axis", axis - rank); else cfg.putArray("axis").add(axis);
            cfg.put("epsilon", r.nextBoolean() ? 1e-3 : r.nextBoolean() ? 1e-7 : 0.1);
            cfg.put("center", r.nextInt(3) > 0);
            cfg.put("scale", r.nextInt(3) > 0);
        } else {
            cls = "Dense";
            int rank = 2 + r.nextInt(3);
            shape = new int[rank];
            for (int a = 0; a < rank; a++) shape[a] = 1 + r.nextInt(rank > 2 ? 4 : 9);
            if (r.nextInt(5) == 0) shape[rank - 1] = 17 + r.nextInt(40);
            cfg.put("units", 1 + r.nextInt(r.nextInt(5) == 0 ? 70 : 9));
            cfg.put("activation", ACTIVATIONS[r.nextInt(ACTIVATIONS.length)]);
            cfg.put("use_bias", r.nextInt(4) > 0);
        }
        ObjectNode layer = F.objectNode();
        layer.put("class_name", cls);
        layer.set("config", cfg);
        return new Case(layer, shape);
    }

    private static int[] shape(int batch, int[] spatial, int channels, boolean cf) {
        int[] s = new int[spatial.length + 2];
        s[0] = batch;
        s[cf ? 1 : s.length - 1] = channels;
        System.arraycopy(spatial, 0, s, cf ? 2 : 1, spatial.length);
        return s;
    }

    private static void check(Case c, SplittableRandom r) {
        long[] shape = Arrays.stream(c.shape).asLongStream().toArray();
        float[] x = TestData.random(r, Arrays.stream(c.shape).reduce(1, (a, b) -> a * b));
        try (Layer l = Layers.fromConfig(c.layer)) {
            l.build(shape);
            List<Weight> ws = new ArrayList<>();
            for (Weight w : l.getWeights()) {
                float[] v = TestData.random(r, w.values().length);
                // a variance is positive
                if (w.name().equals("moving_variance")) for (int i = 0; i < v.length; i++) v[i] = Math.abs(v[i]) + 0.01f;
                ws.add(new Weight(w.name(), w.shape(), v));
            }
            l.setWeights(ws);
            List<RefArray> refWeights = ws.stream().map(w -> new RefArray(w.shape(), w.values())).toList();
            RefArray want = ReferenceNormPoolDense.run(c.layer, new RefArray(c.shape, x), refWeights);
            try (Tensor in = Tensor.of(x, shape); Tensor out = l.call(in)) {
                assertArrayEquals(Arrays.stream(want.shape()).asLongStream().toArray(), out.shape(), "output shape");
                float[] got = out.toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    double tol = 1e-5 + 1e-4 * Math.abs(want.data()[i]);
                    assertTrue(Math.abs(got[i] - want.data()[i]) <= tol, "value " + i + ": got " + got[i]
                            + ", want " + want.data()[i]);
                }
            }
        }
    }
}
