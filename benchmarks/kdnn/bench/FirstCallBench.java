package kdnn.bench;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;
import kdnn.Tensor;
import kdnn.layers.BaseConv;
import kdnn.runtime.NativeLibrary;
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
 * JMH: kdnn's first call, reported apart from the steady state: a new layer given its weights,
 * then its first call (oneDNN primitive creation, weight reorder, execution). oneDNN's own
 * primitive cache is switched off in the fork so every invocation creates its primitives.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FirstCallBench {
    @Param({"resnet_3x3_64_56", "resnet_1x1_64_256_56", "resnet_3x3_128_28_b32", "vgg_first_3_64_224",
        "strided_3x3_s2_64_128", "mobilenet_dw_3x3_32_112", "unet_transpose_2x2_256", "wavenet_causal_1d_64",
        "video_3d_3x3x3_32", "tiny_3x3_8_8"})
    public String shape;

    private BenchShape s;
    private BenchShape.Weights w;
    private Tensor input;
    private Tensor output;
    private BaseConv layer;

    @Setup(Level.Trial)
    public void setUp() throws Throwable {
        String t = System.getProperty("kdnn.threads");
        if (t != null) Threads.setCount(Integer.parseInt(t));
        setPrimitiveCacheCapacity(0);
        s = BenchShape.byName(shape);
        w = s.weights(2);
        input = Tensor.of(s.inputValues(1), s.input());
        output = Tensor.uninitialized(s.outputShape());
    }

    /** {@code dnnl_set_primitive_cache_capacity}: 0 turns oneDNN's cache off. */
    static void setPrimitiveCacheCapacity(int capacity) throws Throwable {
        MethodHandle h = Linker.nativeLinker().downcallHandle(
                NativeLibrary.lookup().find("dnnl_set_primitive_cache_capacity").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        int status = (int) h.invokeExact(capacity);
        if (status != 0) throw new IllegalStateException("dnnl_set_primitive_cache_capacity: status " + status);
    }

    @Benchmark
    public void newLayerAndFirstCall() {
        layer = s.newLayer(w);
        layer.call(input, output);
    }

    @TearDown(Level.Invocation)
    public void closeLayer() {
        if (layer != null) layer.close();
        layer = null;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        input.close();
        output.close();
    }
}
