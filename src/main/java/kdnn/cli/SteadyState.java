package kdnn.cli;

import java.util.Arrays;

/**
 * The steady-state time of a call, measured as the benchmarks do: warm up (at least
 * {@link #WARMUP_CALLS} calls and {@link #WARMUP_NANOS}), then time single calls (at least
 * {@link #MIN_SAMPLES} and {@link #MEASURE_NANOS}) and take their median, which one slow call
 * (a scheduler slice, a GC) does not move.
 */
record SteadyState(double medianUs, int samples, int warmups) {
    static final int WARMUP_CALLS = 20;
    static final long WARMUP_NANOS = 100_000_000;
    static final int MIN_SAMPLES = 50;
    static final long MEASURE_NANOS = 300_000_000;
    private static final int MAX_SAMPLES = 100_000;

    static SteadyState measure(Runnable call) {
        int warmups = 0;
        long warmEnd = System.nanoTime() + WARMUP_NANOS;
        while (warmups < WARMUP_CALLS || System.nanoTime() < warmEnd) {
            call.run();
            warmups++;
        }
        double[] samples = new double[MAX_SAMPLES];
        int n = 0;
        long end = System.nanoTime() + MEASURE_NANOS;
        while (n < MAX_SAMPLES && (n < MIN_SAMPLES || System.nanoTime() < end)) {
            long t0 = System.nanoTime();
            call.run();
            samples[n++] = (System.nanoTime() - t0) / 1e3;
        }
        double[] s = Arrays.copyOf(samples, n);
        Arrays.sort(s);
        return new SteadyState(n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2, n, warmups);
    }
}
