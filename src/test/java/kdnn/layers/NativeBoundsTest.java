package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import kdnn.TestData;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Threads;
import org.junit.jupiter.api.Test;

/**
 * No oneDNN kernel writes outside the buffers it is given. Every layer kind's pipelines run on
 * small random shapes (where kernels' tail handling is most exercised) between guard bytes, and
 * the guard bytes after the input and the output must come back untouched, as must the input.
 * oneDNN 3.13's jit resampling failed this: for a channels-first output of spatial size 1 it
 * copied up to 64 bytes from past the input's end to past the output's end, and the heap
 * corruption surfaced as a crash thousands of calls later.
 */
class NativeBoundsTest {
    private static final int GUARD = 4096;
    private static final byte PATTERN = 0x5a;
    /** A different pattern after the input, so a kernel copying past both ends is seen too. */
    private static final byte INPUT_PATTERN = 0x3c;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] CLASSES = {"Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "SeparableConv2D",
        "Conv1DTranspose", "Conv3DTranspose", "SeparableConv1D", "DepthwiseConv1D", "DepthwiseConv2D",
        "Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
        "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"};
    private static final String[] ACTIVATIONS = {"linear", "relu", "softmax", "softsign", "gelu"};
    private static final Variant[] VARIANTS = {Variant.PLAIN, new Variant(null, true, true),
        Variant.PLAIN.withoutActivation()};

    @Test
    void pipelinesWriteOnlyTheirOutput() throws Exception {
        SplittableRandom r = new SplittableRandom(20261124);
        int ran = 0;
        for (int i = 0; i < 3000; i++) {
            String cls = CLASSES[i % CLASSES.length];
            int rank = cls.endsWith("1D") ? 1 : cls.endsWith("3D") ? 3 : 2;
            boolean channelsFirst = rank > 1 && r.nextBoolean();
            long[] shape = new long[rank + 2];
            shape[0] = 1 + r.nextInt(2);
            int channels = 1 + r.nextInt(r.nextBoolean() ? 4 : 24);
            // sizes of 1 often: kernels' edge cases (one element per channel, tails) live there
            for (int a = 0; a < rank; a++) shape[channelsFirst ? a + 2 : a + 1] = r.nextBoolean() ? 1 : 1 + r.nextInt(a == 0 ? 6 : 4);
            shape[channelsFirst ? 1 : rank + 1] = channels;
            ObjectNode cfg = config(cls, rank, channelsFirst, r);
            Layer layer;
            try {
                layer = Layers.fromConfig(JSON.createObjectNode().put("class_name", cls).set("config", cfg));
                layer.computeOutputShape(shape);
            } catch (IllegalArgumentException refused) {
                continue; // e.g. a crop larger than the input: nothing runs
            }
            try (layer) {
                layer.build(shape);
                List<Weight> weights = new ArrayList<>();
                for (Weight w : layer.getWeights()) {
                    weights.add(new Weight(w.name(), w.shape(), TestData.random(r, w.values().length)));
                }
                if (!weights.isEmpty()) layer.setWeights(weights);
                long[] out = layer.computeOutputShape(shape);
                Variant variant = VARIANTS[r.nextInt(VARIANTS.length)];
                int threads = 1 + r.nextInt(2);
                Pipeline p = Threads.creatingWith(threads, () -> layer.pipeline(shape, variant));
                try (p) {
                    check(p, bytes(shape), bytes(out), r, cfg + " input " + Arrays.toString(shape) + " " + variant
                            + " threads " + threads);
                }
                ran++;
            }
        }
        System.out.println("NativeBoundsTest: " + ran + " pipelines ran between guard bytes");
    }

    private static void check(Pipeline p, long inBytes, long outBytes, SplittableRandom r, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocate(inBytes + GUARD, 64);
            MemorySegment out = a.allocate(outBytes + GUARD, 64);
            for (long i = 0; i < inBytes / Float.BYTES; i++) {
                in.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextGaussian());
            }
            in.asSlice(inBytes).fill(INPUT_PATTERN);
            out.fill(PATTERN);
            byte[] before = in.toArray(ValueLayout.JAVA_BYTE);
            p.execute(in.asSlice(0, inBytes), out.asSlice(0, outBytes));
            assertEquals(-1, in.mismatch(MemorySegment.ofArray(before)), "input or its guard bytes written: " + what);
            for (long i = outBytes; i < outBytes + GUARD; i++) {
                assertEquals(PATTERN, out.get(ValueLayout.JAVA_BYTE, i),
                        "byte " + (i - outBytes) + " after the output written: " + what);
            }
        }
    }

    private static ObjectNode config(String cls, int rank, boolean channelsFirst, SplittableRandom r) {
        ObjectNode c = JSON.createObjectNode();
        c.put("data_format", channelsFirst ? "channels_first" : "channels_last");
        if (cls.startsWith("Conv") || cls.startsWith("Separable") || cls.startsWith("Depthwise")) {
            if (!cls.startsWith("Depthwise")) c.put("filters", 1 + r.nextInt(r.nextBoolean() ? 3 : 20));
            var k = c.putArray("kernel_size");
            var s = c.putArray("strides");
            for (int a = 0; a < rank; a++) {
                k.add(1 + r.nextInt(3));
                s.add(1 + r.nextInt(2));
            }
            c.put("padding", r.nextBoolean() ? "same" : "valid");
            c.put("activation", ACTIVATIONS[r.nextInt(ACTIVATIONS.length)]);
            c.put("use_bias", r.nextBoolean());
            if (cls.startsWith("Separable") || cls.startsWith("Depthwise")) c.put("depth_multiplier", 1 + r.nextInt(2));
        } else {
            String key = cls.startsWith("UpSampling") ? "size" : cls.startsWith("Cropping") ? "cropping" : "padding";
            var v = c.putArray(key);
            for (int a = 0; a < rank; a++) {
                if (key.equals("size")) {
                    v.add(r.nextBoolean() ? 1 : 1 + r.nextInt(3));
                } else if (rank == 1) {
                    v.add(r.nextInt(2)).add(r.nextInt(2)); // (before, after)
                } else {
                    v.addArray().add(r.nextInt(2)).add(r.nextInt(2));
                }
            }
            if (cls.equals("UpSampling2D") && r.nextBoolean()) c.put("interpolation", "bilinear");
        }
        if (rank == 1) c.remove("data_format");
        return c;
    }

    private static long bytes(long[] shape) {
        return Arrays.stream(shape).reduce(Float.BYTES, Math::multiplyExact);
    }
}
