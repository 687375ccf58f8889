package kdnn.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.layers.Weight;

/** Small helpers shared by the reliability tests: layers from JSON, seeded weights, runs, RSS. */
final class Fixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A layer from its Keras JSON, built for {@code shape}, with weights drawn from {@code seed}. */
    static Layer layer(String json, long seed, long... shape) {
        Layer l = Layers.fromConfig(json(json));
        try {
            l.build(shape);
            setRandomWeights(l, seed);
            return l;
        } catch (RuntimeException e) {
            l.close();
            throw e;
        }
    }

    static void setRandomWeights(Layer l, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Weight> ws = new ArrayList<>();
        for (Weight w : l.getWeights()) {
            ws.add(new Weight(w.name(), w.shape(), TestData.random(r, w.values().length)));
        }
        if (!ws.isEmpty()) {
            l.setWeights(ws);
        }
    }

    static int size(long[] shape) {
        return Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
    }

    static float[] input(long seed, long[] shape) {
        return TestData.random(new SplittableRandom(seed), size(shape));
    }

    /** One call through a fresh input tensor; returns the values. */
    static float[] run(Layer l, float[] x, long[] shape) {
        try (Tensor in = Tensor.of(x, shape); Tensor out = l.call(in)) {
            return out.toFloatArray();
        }
    }

    /** True when both arrays hold the same bits (NaN payloads aside). */
    static boolean bitwiseEqual(float[] a, float[] b) {
        return Arrays.equals(a, b);
    }

    /** Resident set size of this process in kB, from /proc/self/status. */
    static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /** Asks for a full collection and gives cleaners a moment to run. */
    static void gc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
