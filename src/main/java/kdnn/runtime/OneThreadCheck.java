package kdnn.runtime;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Whether a prediction gives bitwise the same values with one thread as with the whole count,
 * which decides whether {@link Threads.Policy#SPLIT_WHEN_SAME} may run it in a split turn.
 * oneDNN may block a kernel differently for one thread and so add in another order; that order
 * does not depend on the data, so one run each way over a check input, compared at every step,
 * tells. Checked once per count, by a compute thread in its turn (the team's run needs the team),
 * the first time a split turn would take the prediction.
 */
public final class OneThreadCheck {
    private static final AtomicInteger CHECKS = new AtomicInteger();
    private final Supplier<long[]> digests;
    private volatile boolean same;
    private volatile int checkedFor; // the count the answer is for (written after it); 0: none yet

    /**
     * {@code digests} runs the prediction on a fixed check input and returns a digest of every
     * step's result, with the thread count in force where it runs.
     */
    public OneThreadCheck(Supplier<long[]> digests) {
        this.digests = digests;
    }

    /** The answer for {@code count} if it is known, without running anything. */
    boolean knownSame(int count) {
        return checkedFor == count && same;
    }

    /**
     * The answer for {@code count}, running the check first if it is not known: call on a compute
     * thread holding a turn, outside any split lane. A check that fails counts as different.
     */
    public synchronized boolean same(int count) {
        if (checkedFor != count) {
            boolean answer;
            try {
                long[] team = digests.get();
                long[][] alone = new long[1][];
                Threads.withCount(1, () -> alone[0] = digests.get());
                answer = Arrays.equals(team, alone[0]);
            } catch (Throwable t) {
                answer = false; // no evidence of sameness; the prediction itself reports its own failure
            }
            same = answer;
            checkedFor = count;
            CHECKS.incrementAndGet();
        }
        return same;
    }

    /** How many checks have run in this process. */
    static int checksRun() {
        return CHECKS.get();
    }
}
