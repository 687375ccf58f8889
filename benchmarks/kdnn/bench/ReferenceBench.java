package kdnn.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH: the pure-Java reference (plain loops, one thread) as the baseline. By default only the
 * shapes it finishes in seconds; {@code -p shape=...} runs any suite shape.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ReferenceBench {
    @Param({"tiny_3x3_8_8", "mobilenet_dw_3x3_32_112", "resnet_1x1_64_256_56", "strided_3x3_s2_64_128"})
    public String shape;

    private BenchShape s;
    private BenchShape.Weights w;
    private float[] x;

    @Setup(Level.Trial)
    public void setUp() {
        s = BenchShape.byName(shape);
        w = s.weights(2);
        x = s.inputValues(1);
    }

    @Benchmark
    public float[] call() {
        return s.reference(x, w);
    }
}
