package kdnn.runtime;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Whether a prediction gives bitwise the same values in a split turn's lane, with fewer threads
 * (the lane's width), as with the whole count, which decides whether
 * {@link Threads.Policy#SPLIT_WHEN_SAME} may run it in a split turn of that width. oneDNN may
 * block a kernel differently for another thread count and so add in another order; that order
 * does not depend on the data, so one run each way over a check input, compared at every step,
 * tells. Checked once per count and width, by a compute thread in its turn (the team's run needs
 * the team), the first time a split turn of that width would take the prediction.
 */
public final class LaneCheck {
    private static final AtomicInteger CHECKS = new AtomicInteger();
    private final Supplier<long[]> digests;
    private final Map<Integer, Boolean> sameByWidth = new ConcurrentHashMap<>(); // answers for checkedFor
    private volatile int checkedFor; // the count the answers are for (written before them); 0: none yet
    private long[] team; // the whole count's digests, once run

    /**
     * {@code digests} runs the prediction on a fixed check input and returns a digest of every
     * step's result, with the thread count in force where it runs.
     */
    public LaneCheck(Supplier<long[]> digests) {
        this.digests = digests;
    }

    /** The answer for {@code count} threads split into lanes of {@code width} if it is known, without running anything. */
    boolean knownSame(int count, int width) {
        return checkedFor == count && Boolean.TRUE.equals(sameByWidth.get(width));
    }

    /**
     * The answer for lanes of {@code width} threads out of {@code count}, running the check first
     * if it is not known: call on a compute thread holding a turn, outside any split lane. A
     * check that fails counts as different.
     */
    public synchronized boolean same(int count, int width) {
        if (checkedFor != count) {
            sameByWidth.clear();
            team = null;
            checkedFor = count;
        }
        Boolean known = sameByWidth.get(width);
        if (known != null) return known;
        boolean answer;
        try {
            if (team == null) team = digests.get();
            long[][] lane = new long[1][];
            Threads.withCount(width, () -> lane[0] = digests.get());
            answer = Arrays.equals(team, lane[0]);
        } catch (Throwable t) {
            answer = false; // no evidence of sameness; the prediction itself reports its own failure
        }
        sameByWidth.put(width, answer);
        CHECKS.incrementAndGet();
        return answer;
    }

    /** How many checks have run in this process. */
    static int checksRun() {
        return CHECKS.get();
    }
}
