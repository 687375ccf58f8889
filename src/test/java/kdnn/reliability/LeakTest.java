package kdnn.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import kdnn.Tensor;
import kdnn.layers.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 100,000 calls (several shapes; layers created, called and closed inside the loop for part of
 * it) leave native memory bounded: resident memory (VmRSS) after the loop is within 64 MiB of
 * what it was after warm-up. Every output is at least 2 KiB and written, so leaking one tensor
 * per call would add about 190 MiB.
 */
class LeakTest {
    private static final int CALLS = 100_000;
    private static final long THRESHOLD_KB = 64 * 1024;

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
                    warm = Fixtures.rssKb();
                }
            }
            Fixtures.gc();
            long grown = Fixtures.rssKb() - warm;
            assertTrue(grown < THRESHOLD_KB, "RSS grew by " + grown / 1024 + " MiB over " + (CALLS - 5_000)
                    + " calls after warm-up (threshold " + THRESHOLD_KB / 1024 + " MiB)");
        } finally {
            for (int i = 0; i < shapes.length; i++) {
                if (inputs[i] != null) inputs[i].close();
                if (outputs[i] != null) outputs[i].close();
            }
        }
    }
}
