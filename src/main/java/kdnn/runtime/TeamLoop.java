package kdnn.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Java loop split over the OpenMP team oneDNN runs on, as {@link MagnitudeScan} splits its scan:
 * the Java steps between primitives (resizes, spectrograms) use the cores the primitives use, on
 * threads that are awake anyway. The loop's parts must write disjoint memory and may run twice: a
 * part the team did not finish (a smaller team, or an exception there) runs again on the caller,
 * where an exception propagates. Small loops, one thread, or no libgomp: the caller runs them all.
 */
public final class TeamLoop {
    /** One part of a loop of {@code parts}. */
    @FunctionalInterface
    public interface Part {
        void run(int part, int parts);
    }

    private static final int MAX_PARTS = 64;
    // per-thread job block: the job's id, the count of parts, then a done flag per part
    private static final long ID = 0, PARTS = 8, DONE = 12;
    private static final long BLOCK_BYTES = DONE + 4L * MAX_PARTS;
    private static final MemorySegment UPCALL = OpenMp.upcall(java.lang.invoke.MethodHandles.lookup(), "team");
    private static final MethodHandle PARALLEL = UPCALL == null ? null : OpenMp.PARALLEL;
    private static final ConcurrentHashMap<Long, Part> JOBS = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT = new AtomicLong();
    private static final ThreadLocal<MemorySegment> BLOCK =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(BLOCK_BYTES, 64));

    private TeamLoop() {
    }

    /**
     * Runs {@code body} in up to {@link Threads#count()} parts when {@code work} (a count of values
     * or operations) is worth a team, else as one part on the caller.
     */
    public static void run(long work, int maxParts, Part body) {
        int parts = Math.min(Math.min(Threads.count(), maxParts), MAX_PARTS);
        if (parts <= 1 || work < MagnitudeScan.PARALLEL_FROM || PARALLEL == null) {
            body.run(0, 1);
            return;
        }
        long id = NEXT.incrementAndGet();
        JOBS.put(id, body);
        MemorySegment block = BLOCK.get();
        try {
            block.set(ValueLayout.JAVA_LONG, ID, id);
            block.set(ValueLayout.JAVA_INT, PARTS, parts);
            for (int p = 0; p < parts; p++) block.setAtIndex(ValueLayout.JAVA_INT, DONE / 4 + p, 0);
            Threads.startingTeam();
            try {
                PARALLEL.invokeExact(UPCALL, block, parts, 0);
            } catch (Throwable e) {
                // the caller runs every part below
            }
            VarHandle.fullFence(); // the team's writes, before the caller reads them
            for (int p = 0; p < parts; p++) {
                if (block.getAtIndex(ValueLayout.JAVA_INT, DONE / 4 + p) == 0) body.run(p, parts);
            }
        } finally {
            JOBS.remove(id);
        }
    }

    /** One team thread's parts: runs on OpenMP's threads, so it must never throw. */
    private static void team(MemorySegment data) {
        try {
            MemorySegment block = data.reinterpret(BLOCK_BYTES);
            Part body = JOBS.get(block.get(ValueLayout.JAVA_LONG, ID));
            int parts = block.get(ValueLayout.JAVA_INT, PARTS);
            int t = (int) OpenMp.THREAD_NUM.invokeExact();
            int team = (int) OpenMp.NUM_THREADS.invokeExact();
            if (body == null) return;
            for (int p = t; p < parts; p += Math.max(team, 1)) {
                body.run(p, parts);
                VarHandle.fullFence();
                block.setAtIndex(ValueLayout.JAVA_INT, DONE / 4 + p, 1);
            }
        } catch (Throwable e) {
            // this part stays undone: the caller runs it again, where its exception propagates
        }
    }

    /** The first index of {@code part}'s share of {@code count} items split into {@code parts}. */
    public static int from(int part, int parts, int count) {
        return (int) ((long) count * part / parts);
    }
}
