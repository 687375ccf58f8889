package kdnn.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;
import kdnn.layers.ExtremeValues;
import kdnn.Tensor;
import kdnn.model.Model;
import kdnn.runtime.ExecutionTrace;
import kdnn.runtime.MagnitudeScan;
import kdnn.runtime.Threads;

/**
 * What the {@code keras} mode adds to a prediction, measured by itself: the NaN/infinity scans a
 * traced {@code keras}-mode call runs (how many, on how many bytes), timed alone on buffers of
 * the same sizes with the same thread count, and whether it runs the same oneDNN primitives as
 * the default mode (then the scans are all it adds). A difference of two whole-prediction medians cannot
 * show a cost of a few percent on a shared machine; the checks' own time can be timed over many
 * calls, so the share of a prediction they take is known even when the machine is noisy.
 */
record KerasChecks(int scans, long bytes, double medianUs, boolean samePrimitives) {

    static KerasChecks measure(Model model, Tensor in, Tensor y, int threads, Timing.Budget budget, int rounds)
            throws Exception {
        model.predict(in, y);
        List<String> fused = primitives(ExecutionTrace.record(() -> model.predict(in, y)));
        List<ExecutionTrace.Step> trace;
        model.setExtremes(ExtremeValues.KERAS);
        try {
            model.predict(in, y); // the mode's own plan, made before the trace
            trace = ExecutionTrace.record(() -> model.predict(in, y));
        } finally {
            model.setExtremes(null);
        }
        List<Long> sizes = trace.stream()
                .filter(s -> s.java() && s.kind().startsWith(MagnitudeScan.TRACE_STEP))
                .map(s -> s.args().get(0).bytes())
                .toList();
        long total = sizes.stream().mapToLong(Long::longValue).sum();
        // the checks are all the mode adds only when it runs the same oneDNN primitives
        boolean same = primitives(trace).equals(fused);
        if (sizes.isEmpty()) return new KerasChecks(0, 0, 0, same);
        // on a compute thread, where a prediction runs its scans: a scan's OpenMP team started from this
        // thread would be a second team, and libgomp, seeing more threads than cores, would make every
        // later parallel region of every team wait for a wake-up (predictions here took 2.5x as long)
        double[] best = {Double.NaN};
        Exception[] failed = new Exception[1];
        Threads.runAdmitted(true, () -> {
            try {
                best[0] = timeScans(sizes, threads, budget, rounds);
            } catch (Exception e) {
                failed[0] = e;
            }
        });
        if (failed[0] != null) throw failed[0];
        return new KerasChecks(sizes.size(), total, best[0], same);
    }

    /** The median time of scanning buffers of these sizes once each, best of the rounds. */
    private static double timeScans(List<Long> sizes, int threads, Timing.Budget budget, int rounds) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom r = new SplittableRandom(7);
            MemorySegment[] buffers = new MemorySegment[sizes.size()];
            for (int i = 0; i < buffers.length; i++) {
                buffers[i] = arena.allocate(sizes.get(i), 64);
                for (long j = 0; j < sizes.get(i) / Float.BYTES; j++) {
                    buffers[i].setAtIndex(ValueLayout.JAVA_FLOAT, j, (float) (r.nextDouble() * 2 - 1));
                }
            }
            float[] sink = new float[1];
            double best = Double.NaN;
            for (int round = 0; round < rounds; round++) {
                double us = Timing.median(() -> {
                    for (MemorySegment b : buffers) sink[0] += MagnitudeScan.maxMagnitude(b, threads);
                }, budget).medianUs();
                if (!(us >= best)) best = us;
            }
            if (Float.isNaN(sink[0])) throw new IllegalStateException("a scan of finite values gave NaN");
            return best;
        }
    }

    private static List<String> primitives(List<ExecutionTrace.Step> trace) {
        return trace.stream().filter(s -> !s.java()).map(ExecutionTrace.Step::replay).toList();
    }

    /** What a report says: "N scans, X MB, Y us alone = Z% of a {@code fusedUs} prediction". */
    String describe(double fusedUs) {
        String primitives = samePrimitives ? "the same oneDNN primitives as fused"
                : "NOT the same oneDNN primitives as fused";
        if (scans == 0) return "no scans, " + primitives;
        return String.format(java.util.Locale.ROOT, "%d scan%s of %.2f MB, %.1f us alone = %.2f%% of a prediction, %s",
                scans, scans == 1 ? "" : "s", bytes / 1e6, medianUs, 100 * medianUs / fusedUs, primitives);
    }
}
