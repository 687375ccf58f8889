package kdnn.bench;

import java.util.Arrays;

/**
 * The hand-timed loop the runner uses for every implementation, and the one
 * {@code native/bench_conv.c} mirrors: warm up for at least {@code minIters} calls and
 * {@code warmupMs}, then time single calls for at least {@code minIters} calls and
 * {@code measureMs}; report the median. The loop itself allocates nothing.
 */
public final class Timing {
    private static final int MAX_SAMPLES = 1 << 20;

    /** A timed call that may throw (ONNX Runtime's run does). */
    @FunctionalInterface
    public interface Call {
        void run() throws Exception;
    }

    /** How long to warm up and measure. */
    public record Budget(double warmupMs, double measureMs, int minIters) {
    }

    /** Median microseconds of one call, and how many calls were timed. */
    public record Result(double medianUs, int samples) {
    }

    private Timing() {
    }

    public static Result median(Call call, Budget b) throws Exception {
        long warmEnd = System.nanoTime() + (long) (b.warmupMs() * 1e6);
        for (int i = 0; i < b.minIters() || System.nanoTime() < warmEnd; i++) {
            call.run();
        }
        double[] samples = new double[MAX_SAMPLES];
        int n = 0;
        long end = System.nanoTime() + (long) (b.measureMs() * 1e6);
        while (n < MAX_SAMPLES && (n < b.minIters() || System.nanoTime() < end)) {
            long t0 = System.nanoTime();
            call.run();
            samples[n++] = (System.nanoTime() - t0) / 1e3;
        }
        return new Result(median(Arrays.copyOf(samples, n)), n);
    }

    public static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** Microseconds of one run of {@code call}. */
    public static double once(Call call) throws Exception {
        long t0 = System.nanoTime();
        call.run();
        return (System.nanoTime() - t0) / 1e3;
    }
}
