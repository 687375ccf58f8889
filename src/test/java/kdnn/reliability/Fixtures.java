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
    // glibc's struct mallinfo2: ten size_t fields; uordblks (in use from the heap) is the 8th,
    // hblkhd (in use in separately mapped blocks) the 5th
    private static final java.lang.foreign.StructLayout MALLINFO2 = java.lang.foreign.MemoryLayout.structLayout(
            java.util.stream.Stream.of("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                    "uordblks", "fordblks", "keepcost").map(n -> java.lang.foreign.ValueLayout.JAVA_LONG.withName(n))
                    .toArray(java.lang.foreign.MemoryLayout[]::new));

    /**
     * Bytes the C allocator has handed out and not had back (glibc's {@code mallinfo2}): every
     * native allocation of kdnn and oneDNN, and none of the JVM heap. Unlike VmRSS, it does not
     * grow while the JVM first touches the Java heap it committed at start.
     */
    static long mallocInUseBytes() {
        var linker = java.lang.foreign.Linker.nativeLinker();
        var mallinfo2 = linker.downcallHandle(linker.defaultLookup().find("mallinfo2").orElseThrow(
                () -> new IllegalStateException("no mallinfo2 in the C library (glibc 2.33 or newer has it)")),
                java.lang.foreign.FunctionDescriptor.of(MALLINFO2));
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var info = (java.lang.foreign.MemorySegment) mallinfo2.invokeExact((java.lang.foreign.SegmentAllocator) arena);
            return field(info, "uordblks") + field(info, "hblkhd");
        } catch (Throwable t) {
            throw new IllegalStateException("mallinfo2 failed", t);
        }
    }

    private static long field(java.lang.foreign.MemorySegment info, String name) {
        return info.get(java.lang.foreign.ValueLayout.JAVA_LONG,
                MALLINFO2.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement(name)));
    }

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
