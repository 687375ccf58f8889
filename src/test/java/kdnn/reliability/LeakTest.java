package kdnn.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import kdnn.Tensor;
import kdnn.layers.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 100,000 calls (several shapes; layers created, called and closed inside the loop for part of
 * it) leave native memory bounded: the C allocator's bytes in use (mallinfo2: kdnn's tensors and
 * everything oneDNN allocates) after the loop are within 8 MiB of what they were after warm-up.
 * Every output is at least 2 KiB, so leaking one tensor per call would add about 190 MiB, and a
 * leak of 100 bytes per call fails too. (VmRSS was the first measure; it grows by about 600 bytes
 * per call here, which turned out to be the JVM touching its committed heap for the first time:
 * malloc's bytes in use stay within 1 MiB over 200,000 calls.)
 */
class LeakTest {
    private static final int CALLS = 100_000;
    private static final long THRESHOLD_BYTES = 8 << 20;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void hundredThousandCallsKeepNativeMemoryBounded() {
        String conv = """
                {"class_name": "Conv2D", "config": {"filters": 8, "kernel_size": 3, "padding": "same", "activation": "relu"}}""";
        String sep = """
                {"class_name": "SeparableConv2D", "config": {"filters": 8, "kernel_size": 2, "padding": "same"}}""";
        long[][] shapes = {{1, 8, 8, 3}, {2, 8, 8, 3}, {1, 9, 7, 3}};
        Tensor[] inputs = new Tensor[shapes.length];
        Tensor[] outputs = new Tensor[shapes.length];
        long warm = 0;
        try (Layer layer = Fixtures.layer(conv, 1, shapes[0])) {
            for (int i = 0; i < shapes.length; i++) {
                inputs[i] = Tensor.of(Fixtures.input(i, shapes[i]), shapes[i]);
                outputs[i] = Tensor.uninitialized(layer.computeOutputShape(shapes[i]));
            }
            for (int i = 0; i < CALLS; i++) {
                int s = i % shapes.length;
                if (i % 1000 == 999) {
                    // creation and closing in the loop: a fresh layer, its weights and primitives
                    try (Layer fresh = Fixtures.layer(i % 2000 == 999 ? sep : conv, i, shapes[s]);
                         Tensor y = fresh.call(inputs[s])) {
                        y.get(0);
                    }
                } else if (i % 2 == 0) {
                    try (Tensor y = layer.call(inputs[s])) { // a new output each call
                        y.get(0);
                    }
                } else {
                    layer.call(inputs[s], outputs[s]); // into a reused output
                }
                if (i == 5_000) {
                    Fixtures.gc();
                    warm = Fixtures.mallocInUseBytes();
                }
            }
            Fixtures.gc();
            long grown = Fixtures.mallocInUseBytes() - warm;
            assertTrue(grown < THRESHOLD_BYTES, "native memory in use grew by " + grown / 1024 + " KiB over "
                    + (CALLS - 5_000) + " calls after warm-up (threshold " + THRESHOLD_BYTES / 1024 + " KiB)");
        } finally {
            for (int i = 0; i < shapes.length; i++) {
                if (inputs[i] != null) inputs[i].close();
                if (outputs[i] != null) outputs[i].close();
            }
        }
    }
}
