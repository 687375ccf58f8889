package kdnn.bench;

import java.util.concurrent.TimeUnit;
import kdnn.Tensor;
import kdnn.layers.BaseConv;
import kdnn.runtime.Threads;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH: kdnn's steady state on each suite shape, one call into a preallocated output
 * ({@code -prof gc} shows what a call allocates). Threads: {@code -Dkdnn.threads} in the fork.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class KdnnBench {
    @Param({"resnet_3x3_64_56", "resnet_1x1_64_256_56", "resnet_3x3_128_28_b32", "vgg_first_3_64_224",
        "strided_3x3_s2_64_128", "mobilenet_dw_3x3_32_112", "unet_transpose_2x2_256", "wavenet_causal_1d_64",
        "video_3d_3x3x3_32", "tiny_3x3_8_8"})
    public String shape;

    private BaseConv layer;
    private Tensor input;
    private Tensor output;

    @Setup(Level.Trial)
    public void setUp() {
        String t = System.getProperty("kdnn.threads");
        if (t != null) Threads.setCount(Integer.parseInt(t));
        BenchShape s = BenchShape.byName(shape);
        layer = s.newLayer(s.weights(2));
        input = Tensor.of(s.inputValues(1), s.input());
        output = Tensor.uninitialized(s.outputShape());
        layer.call(input, output);
    }

    @Benchmark
    public void call() {
        layer.call(input, output);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        layer.close();
        input.close();
        output.close();
    }
}
