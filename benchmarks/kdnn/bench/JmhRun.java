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

    static int run(boolean quick, int threads, List<BenchShape> shapes) throws Exception {
        String[] names = shapes.stream().map(BenchShape::name).toArray(String[]::new);
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include(KdnnBench.class.getName())
                .include(FirstCallBench.class.getName())
                .param("shape", names)
                .jvmArgsAppend("-Dkdnn.threads=" + threads)
                .forks(1);
        if (quick) {
            o.warmupIterations(1).warmupTime(TimeValue.milliseconds(300))
                    .measurementIterations(2).measurementTime(TimeValue.milliseconds(500));
        }
        new Runner(o.build()).run();
        return 0;
    }
}
