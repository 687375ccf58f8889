package kdnn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/** Runs a test's calls on several threads at once, each thread with its own seeded random source. */
public final class Concurrently {
    private Concurrently() {
    }

    /** Runs {@code call} {@code calls} times on each of {@code threads} threads; rethrows the first failure. */
    public static void run(int threads, int calls, Consumer<SplittableRandom> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                SplittableRandom r = new SplittableRandom(t);
                done.add(pool.submit(() -> {
                    for (int k = 0; k < calls; k++) call.accept(r);
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdown();
        }
    }
}
