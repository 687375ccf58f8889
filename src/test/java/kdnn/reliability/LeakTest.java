package kdnn.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import kdnn.Tensor;
import kdnn.layers.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 100,000 calls (several shapes; layers created, called and closed inside the loop for part of
 * it) leave native memory bounded, measured two ways after warm-up:
 * <ul>
 * <li>the C allocator's bytes in use (glibc's mallinfo2: kdnn's tensors and everything oneDNN
 *     allocates) grow by less than 4 MiB over one of the two halves of the calls, in this JVM. A
 *     leak per call grows both halves alike (88 bytes a call would reach 4 MiB in each); a
 *     one-off allocation elsewhere in the process (a JIT compilation, another test's thread)
 *     lands in one half only, and once made the full suite see 8 MiB at once;
 * <li>resident memory (VmRSS from /proc) stays within 32 MiB, in a child JVM whose heap is fixed
 *     and touched at start ({@code -Xms=-Xmx, -XX:+AlwaysPreTouch}). In a normal JVM VmRSS grows
 *     by about 600 bytes per call here while malloc's bytes in use stay flat: that is the JVM
 *     touching the heap it committed for the first time, not a leak.
 * </ul>
 * Every output is at least 2 KiB, so leaking one tensor per call would add about 190 MiB
 * (checked: keeping half of them alive fails both).
 */
class LeakTest {
    static final int CALLS = 100_000;
    private static final long MALLOC_THRESHOLD_BYTES = 4 << 20; // per half
    private static final long RSS_THRESHOLD_KB = 32 * 1024;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void mallocBytesInUseStayBounded() {
        long[] halves = loop(CALLS, Fixtures::mallocInUseBytes);
        assertTrue(Math.min(halves[0], halves[1]) < MALLOC_THRESHOLD_BYTES, "native memory in use grew by "
                + halves[0] / 1024 + " KiB and then " + halves[1] / 1024 + " KiB over the two halves of "
                + (CALLS - 5_000) + " calls after warm-up (threshold " + MALLOC_THRESHOLD_BYTES / 1024 + " KiB in one of them)");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void residentMemoryStaysBoundedWhenTheHeapIsTouchedAtStart() throws Exception {
        ChildJvm.Result r = ChildJvm.run(LeakProbe.class, List.of("-Xms192m", "-Xmx192m", "-XX:+AlwaysPreTouch"));
        assertEquals(0, r.exit(), r.output());
        String line = r.output().lines().filter(l -> l.startsWith("RSS_GROWN_KB ")).findFirst()
                .orElseThrow(() -> new AssertionError("no result from the child JVM: " + r.output()));
        long grown = Long.parseLong(line.substring("RSS_GROWN_KB ".length()).trim());
        assertTrue(grown < RSS_THRESHOLD_KB, "VmRSS grew by " + grown / 1024 + " MiB over " + (CALLS - 5_000)
                + " calls after warm-up (threshold " + RSS_THRESHOLD_KB / 1024 + " MiB)");
    }

    /**
     * The calls: half into new outputs, half into a reused one, a fresh layer every 1000. Returns
     * how much {@code measure} grew from call 5,000 to the middle of the rest and from there to the
     * end (each measured after a GC).
     */
    static long[] loop(int calls, LongSupplier measure) {
        String conv = """
                {"class_name": "Conv2D", "config": {"filters": 8, "kernel_size": 3, "padding": "same", "activation": "relu"}}""";
        String sep = """
                {"class_name": "SeparableConv2D", "config": {"filters": 8, "kernel_size": 2, "padding": "same"}}""";
        long[][] shapes = {{1, 8, 8, 3}, {2, 8, 8, 3}, {1, 9, 7, 3}};
        Tensor[] inputs = new Tensor[shapes.length];
        Tensor[] outputs = new Tensor[shapes.length];
        long warm = 0;
        long middle = 0;
        int half = 5_000 + (calls - 5_000) / 2;
        try (Layer layer = Fixtures.layer(conv, 1, shapes[0])) {
            for (int i = 0; i < shapes.length; i++) {
                inputs[i] = Tensor.of(Fixtures.input(i, shapes[i]), shapes[i]);
                outputs[i] = Tensor.uninitialized(layer.computeOutputShape(shapes[i]));
            }
            for (int i = 0; i < calls; i++) {
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
                    warm = measure.getAsLong();
                } else if (i == half) {
                    Fixtures.gc();
                    middle = measure.getAsLong();
                }
            }
            Fixtures.gc();
            return new long[] {middle - warm, measure.getAsLong() - middle};
        } finally {
            for (int i = 0; i < shapes.length; i++) {
                if (inputs[i] != null) inputs[i].close();
                if (outputs[i] != null) outputs[i].close();
            }
        }
    }
}
