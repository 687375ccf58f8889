package kdnn.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Calls per second of request threads sharing one model or session: the levels of request threads,
 * each thread's caller, and the visits that time every implementation at every level in rotated
 * rounds, so that all see the same stretches of a shared machine's speed.
 */
final class RequestThreads {
    /** The levels of request threads measured. */
    static final int[] LEVELS = {1, 2, 4, 8};

    private RequestThreads() {
    }

    /** One request thread's own tensors and call. */
    interface Caller extends AutoCloseable {
        void call() throws Exception;

        @Override
        void close();
    }

    /** What makes a request thread's {@link Caller}. */
    interface CallerFactory {
        Caller make() throws Exception;
    }

    /** Calls per second of some request threads over a window of some milliseconds. */
    interface LevelRun {
        double perSecond(int threads, long windowMs) throws Exception;
    }

    /** {@link #interleaved} for one implementation: its calls per second at each of {@link #LEVELS}. */
    static double[] eachLevel(long windowMs, LevelRun run) throws Exception {
        return interleaved(windowMs, List.of(run))[0];
    }

    /**
     * Calls per second of each implementation at each of {@link #LEVELS}, in that order. The
     * levels are visited in as many rounds as there are levels, each round's order the one before
     * rotated by one (1 2 4 8, 2 4 8 1, 4 8 1 2, 8 1 2 4), so every level takes every place once;
     * at each visit every implementation is timed for the window over the number of levels, in an
     * order rotated from one visit to the next; its figure at a level is the mean of its visits.
     * Shared cores drift in speed over minutes: this way every level and every implementation sees
     * the same stretches of it, where timing them one after the other would compare moments of the
     * machine's load (and visiting 1 2 4 8 8 4 2 1 put both of 8's visits in the middle, where a
     * hump in the machine's speed fell on 8 alone). Before the rounds, one visit of every level, half
     * as long, is run and not counted: what a level first needs once per process (kdnn's primitives
     * for a lane width it has not run at, and their check) falls there, not in a counted visit.
     */
    static double[][] interleaved(long windowMs, List<LevelRun> runs) throws Exception {
        return interleaved(windowMs, runs, LEVELS.length);
    }

    /** {@link #interleaved(long, List)} in the first {@code rounds} of its rounds, each visit the window over {@code rounds}. */
    static double[][] interleaved(long windowMs, List<LevelRun> runs, int rounds) throws Exception {
        int n = LEVELS.length;
        int m = runs.size();
        double[][] rates = new double[m][n];
        long slice = Math.max(1, windowMs / rounds);
        for (int level : LEVELS) {
            for (LevelRun run : runs) run.perSecond(level, Math.max(1, slice / 2));
        }
        for (int visit = 0; visit < n * rounds; visit++) {
            int k = (visit / n + visit % n) % n;
            for (int j = 0; j < m; j++) {
                int r = (j + visit) % m;
                rates[r][k] += runs.get(r).perSecond(LEVELS[k], slice) / rounds;
            }
        }
        return rates;
    }

    /** Calls per second of {@code threads} threads calling for {@code windowMs}, each call after warm-up counted. */
    static double requestThreads(int threads, long windowMs, CallerFactory factory) throws Exception {
        AtomicLong done = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch start = new CountDownLatch(1);
        long[] deadline = new long[1];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                try (Caller c = factory.make()) {
                    c.call(); // this thread's workspace exists before the clock starts
                    ready.countDown();
                    start.await();
                    while (System.nanoTime() < deadline[0]) {
                        c.call();
                        done.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    ready.countDown();
                }
            }));
        }
        ready.await();
        long t0 = System.nanoTime();
        deadline[0] = t0 + windowMs * 1_000_000;
        start.countDown();
        for (Thread w : workers) w.join();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (failure.get() != null) throw new IllegalStateException("request thread failed", failure.get());
        return done.get() / seconds;
    }
}
