package kdnn.bench;

import java.util.List;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** {@code kdnn bench --jmh}: the JMH benchmarks of this package, run programmatically. */
final class JmhRun {
    private JmhRun() {
    }

    /** With {@code gc}, only the steady-state benchmark, under JMH's GC profiler (bytes allocated per call). */
    static int run(boolean quick, boolean gc, int threads, List<BenchShape> shapes) throws Exception {
        String[] names = shapes.stream().map(BenchShape::name).toArray(String[]::new);
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include(KdnnBench.class.getName())
                .param("shape", names)
                .jvmArgsAppend("-Dkdnn.threads=" + threads)
                .forks(1);
        if (gc) {
            // average time: sampling mode's own bookkeeping would show up in the bytes per call
            o.addProfiler(org.openjdk.jmh.profile.GCProfiler.class).mode(org.openjdk.jmh.annotations.Mode.AverageTime);
        } else {
            o.include(FirstCallBench.class.getName());
        }
        if (quick && !gc) {
            o.warmupIterations(1).warmupTime(TimeValue.milliseconds(300))
                    .measurementIterations(2).measurementTime(TimeValue.milliseconds(500));
        }
        new Runner(o.build()).run();
        return 0;
    }
}
