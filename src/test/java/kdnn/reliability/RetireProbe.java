package kdnn.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import kdnn.runtime.Threads;

/**
 * Run in a JVM that sees 8 processors: 4 callers at a count of 2 (4 calls at once, so several
 * compute threads), then the count raised to 8 (one call at once): prints how many compute
 * threads there were, how many are left, and how many calls the one left served. Then the
 * policy set to FIXED (calls on their callers) and back: prints how many compute threads are
 * left under FIXED, how many calls ran and how many compute threads served them, then the same
 * once the policy is back.
 */
public final class RetireProbe {
    private RetireProbe() {
    }

    public static void main(String[] args) throws Exception {
        Threads.setPolicy(Threads.Policy.SHARE_CORES);
        Threads.setCount(2);
        AtomicInteger served = new AtomicInteger();
        callers(4, served);
        int before = computeThreads();
        Threads.setCount(8);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (computeThreads() > callsAtOnce() && System.nanoTime() < deadline) Thread.sleep(10);
        int after = computeThreads();
        served.set(0);
        callers(4, served);
        System.out.println("callsAtOnce=" + callsAtOnce() + " before=" + before + " after=" + after
                + " served=" + served.get() + " at the end=" + computeThreads());

        Threads.setPolicy(Threads.Policy.FIXED);
        deadline = System.nanoTime() + 5_000_000_000L;
        while (computeThreads() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
        int fixedLeft = computeThreads();
        served.set(0);
        onComputeThreads.set(0);
        callers(4, served);
        int fixedServed = served.get(), fixedOnCompute = onComputeThreads.get();
        Threads.setPolicy(Threads.Policy.SHARE_CORES);
        served.set(0);
        onComputeThreads.set(0);
        callers(4, served);
        System.out.println("fixed: left=" + fixedLeft + " served=" + fixedServed + " on compute threads="
                + fixedOnCompute + "; back: served=" + served.get() + " on compute threads=" + onComputeThreads.get());
    }

    private static final AtomicInteger onComputeThreads = new AtomicInteger();

    /** 25 calls of 1 ms on each of {@code n} threads at once, each large enough for a compute thread. */
    private static void callers(int n, AtomicInteger served) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 25; i++) {
                    Threads.runAdmitted(true, Long.MAX_VALUE, null, () -> {
                        LockSupport.parkNanos(1_000_000);
                        served.incrementAndGet();
                        if (Thread.currentThread().getName().startsWith("kdnn-compute-")) onComputeThreads.incrementAndGet();
                    });
                }
            }));
        }
        for (Thread t : threads) t.join();
    }

    /** How many calls the gate admits at once ({@code Threads.callsAtOnce}, package-private). */
    private static int callsAtOnce() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / Threads.count());
    }

    private static int computeThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().matches("kdnn-compute-\\d+")).count();
    }
}
