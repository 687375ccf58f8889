package kdnn.internal.plan;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * A plan's run on a fixed check input, summed up as a digest of every step's result and of the
 * outputs: two runs with the same digests computed the same values (used to tell whether
 * a split turn's lane primitives (fewer threads) add in the same order as the whole count's, {@code LaneCheck}).
 * Every step counts, so a last layer that saturates cannot hide a difference before it.
 */
public final class StepDigests {
    private static final long SEED = 0x6b646e6eL;

    private StepDigests() {
    }

    /** Runs {@code plan} once (the caller is admitted) on seeded values in [-1, 1). */
    public static long[] of(Plan plan) {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom random = new SplittableRandom(SEED);
            List<long[]> inShapes = plan.inputShapes();
            MemorySegment[] in = new MemorySegment[inShapes.size()];
            for (int i = 0; i < in.length; i++) {
                long n = elements(inShapes.get(i));
                in[i] = arena.allocate(n * Float.BYTES, 64);
                for (long j = 0; j < n; j++) in[i].setAtIndex(ValueLayout.JAVA_FLOAT, j, (float) random.nextDouble(-1, 1));
            }
            List<long[]> outShapes = plan.outputShapes();
            MemorySegment[] out = new MemorySegment[outShapes.size()];
            for (int i = 0; i < out.length; i++) out[i] = arena.allocate(elements(outShapes.get(i)) * Float.BYTES, 64);
            List<Long> digests = new ArrayList<>();
            plan.execute(in, out, result -> digests.add(digest(result)));
            for (MemorySegment o : out) digests.add(digest(o));
            return digests.stream().mapToLong(Long::longValue).toArray();
        }
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    private static long digest(MemorySegment s) {
        CRC32C crc = new CRC32C();
        crc.update(s.asByteBuffer());
        return crc.getValue() ^ (s.byteSize() << 32);
    }
}
