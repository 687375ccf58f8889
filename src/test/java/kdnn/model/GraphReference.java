package kdnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.layers.Weight;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceActivation;
import kdnn.reference.ReferenceLayer;
import kdnn.reference.ReferenceNormPoolDense;
import kdnn.reference.ReferenceSurrounding;

/**
 * Expected values of hand-built graphs: each layer computed by the pure-Java reference from its
 * Keras config and weights, merges by plain loops. Tests wire the graph themselves, so the
 * expectation shares neither the model's graph walk nor its planner.
 */
public final class GraphReference {
    private GraphReference() {
    }

    /** Random values in [-1, 1). */
    public static RefArray random(long seed, int... shape) {
        return new RefArray(shape.clone(), kdnn.TestData.random(new SplittableRandom(seed),
                Arrays.stream(shape).reduce(1, (a, b) -> a * b)));
    }

    public static Tensor tensor(RefArray a) {
        return Tensor.of(a.data(), a.shape());
    }

    /** Every weight of {@code layer} set to seeded random values (variances positive). */
    public static void randomizeWeights(Layer layer, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Weight> set = new ArrayList<>();
        for (Weight w : layer.getWeights()) {
            float[] v = kdnn.TestData.random(r, w.values().length);
            if (w.name().contains("variance")) {
                for (int i = 0; i < v.length; i++) v[i] = 0.5f + Math.abs(v[i]);
            }
            set.add(new Weight(w.name(), w.shape(), v));
        }
        layer.setWeights(set);
    }

    /** One layer by the reference, with the layer's own config and current weights. */
    public static RefArray layer(Layer layer, RefArray x) {
        JsonNode json = Layers.toConfig(layer);
        JsonNode config = json.get("config");
        List<RefArray> weights = layer.getWeights().stream().map(w -> new RefArray(w.shape(), w.values())).toList();
        String cls = layer.className();
        if (ReferenceNormPoolDense.handles(cls)) return ReferenceNormPoolDense.run(json, x, weights);
        return switch (cls) {
            case "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout" -> x;
            case "Activation" -> ReferenceActivation.apply(config.get("activation").asText(), x);
            case "ReLU" -> ReferenceSurrounding.relu(x,
                    config.path("max_value").isNumber() ? config.get("max_value").asDouble() : null,
                    config.path("negative_slope").asDouble(0), config.path("threshold").asDouble(0));
            case "Flatten" -> ReferenceSurrounding.flatten(x,
                    config.path("data_format").asText("channels_last").equals("channels_first"));
            default -> ReferenceLayer.run(json, x, weights);
        };
    }

    /** Keras' Add, Subtract, Multiply, Maximum, Minimum, Average of equal shapes. */
    public static RefArray add(RefArray... in) {
        return fold(in, Double::sum);
    }

    public static RefArray subtract(RefArray a, RefArray b) {
        return fold(new RefArray[] {a, b}, (x, y) -> x - y);
    }

    public static RefArray multiply(RefArray... in) {
        return fold(in, (x, y) -> x * y);
    }

    private static RefArray fold(RefArray[] in, java.util.function.DoubleBinaryOperator op) {
        float[] out = in[0].data().clone();
        for (int k = 1; k < in.length; k++) {
            if (!Arrays.equals(in[k].shape(), in[0].shape())) throw new IllegalArgumentException("shapes differ");
            for (int i = 0; i < out.length; i++) out[i] = (float) op.applyAsDouble(out[i], in[k].data()[i]);
        }
        return new RefArray(in[0].shape().clone(), out);
    }

    /** Keras' Concatenate along {@code axis} (negative counts from the end). */
    public static RefArray concatenate(int axis, RefArray... in) {
        int rank = in[0].rank();
        int a = axis < 0 ? axis + rank : axis;
        int[] shape = in[0].shape().clone();
        shape[a] = Arrays.stream(in).mapToInt(x -> x.shape()[a]).sum();
        int outer = 1;
        for (int i = 0; i < a; i++) outer *= shape[i];
        int inner = 1;
        for (int i = a + 1; i < rank; i++) inner *= shape[i];
        float[] out = new float[outer * shape[a] * inner];
        int at = 0;
        for (int o = 0; o < outer; o++) {
            for (RefArray x : in) {
                int n = x.shape()[a] * inner;
                System.arraycopy(x.data(), o * n, out, at, n);
                at += n;
            }
        }
        return new RefArray(shape, out);
    }

    /** Runs {@code calls} predictions of {@code x} on each of {@code threads} threads at once; each must be {@code want} bitwise. */
    public static void assertConcurrentPredictions(Model m, Tensor x, float[] want, int threads, int calls)
            throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.List<java.util.concurrent.Future<?>> running = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                running.add(pool.submit(() -> {
                    for (int i = 0; i < calls; i++) {
                        try (Tensor y = m.predict(x)) {
                            assertArrayEquals(want, y.toFloatArray());
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : running) f.get();
        } finally {
            pool.shutdown();
        }
    }

    /** Asserts shape and every value within {@code tol} absolute plus {@code tol} relative. */
    public static void assertClose(RefArray want, Tensor got, double tol) {
        assertArrayEquals(Arrays.stream(want.shape()).asLongStream().toArray(), got.shape(), "shape");
        assertClose(want.data(), got.toFloatArray(), tol);
    }

    public static void assertClose(float[] want, float[] got, double tol) {
        if (want.length != got.length) fail("length " + got.length + ", expected " + want.length);
        for (int i = 0; i < want.length; i++) {
            if (!(Math.abs(want[i] - got[i]) <= tol + tol * Math.abs(want[i]))) {
                fail("value " + i + ": " + got[i] + ", expected " + want[i] + " (tolerance " + tol + ")");
            }
        }
    }
}
