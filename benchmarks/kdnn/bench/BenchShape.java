package kdnn.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import kdnn.Tensor;
import kdnn.layers.Activation;
import kdnn.layers.BaseConv;
import kdnn.layers.Conv1D;
import kdnn.layers.Conv2D;
import kdnn.layers.Conv2DTranspose;
import kdnn.layers.Conv3D;
import kdnn.layers.ConvBuilder;
import kdnn.layers.DataFormat;
import kdnn.layers.Padding;
import kdnn.layers.Weight;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceActivation;
import kdnn.reference.ReferenceConv;

/**
 * One shape of the benchmark suite (issue 6): a Keras convolution, f32, bias + ReLU,
 * channels_last. Everything every implementation needs is derived from this one record: the kdnn
 * layer, the pure-Java reference, oneDNN's geometry for the C comparator and the ONNX model.
 *
 * <p>{@link Op#DEPTHWISE} is SeparableConv2D's depthwise step with depth_multiplier 1. kdnn has no
 * public DepthwiseConv2D; the same operation through kdnn's public API is Keras'
 * {@code Conv2D(filters=C, groups=C)}, which kdnn runs as the very grouped oneDNN convolution
 * (G=C, O=1, I=1) its SeparableConv2D uses for that step (plus bias + ReLU, like every shape here).
 *
 * @param input   Keras input shape, channels_last, batch first
 * @param kernel  kernel size per spatial axis (its length is the rank: 1, 2 or 3)
 * @param padding "same", "valid" or "causal"
 */
public record BenchShape(String name, Op op, long[] input, int filters, int[] kernel, int[] strides, int[] dilation,
                         String padding) {

    /** Which convolution: plain (Conv1D/2D/3D), depthwise (grouped, G = C) or transposed. */
    public enum Op { CONV, DEPTHWISE, TRANSPOSE }

    /** The suite of issue 6, in its order. */
    public static final List<BenchShape> SUITE = List.of(
            conv("resnet_3x3_64_56", new long[] {1, 56, 56, 64}, 64, new int[] {3, 3}, 1, 1, "same"),
            conv("resnet_1x1_64_256_56", new long[] {1, 56, 56, 64}, 256, new int[] {1, 1}, 1, 1, "valid"),
            conv("resnet_3x3_128_28_b32", new long[] {32, 28, 28, 128}, 128, new int[] {3, 3}, 1, 1, "same"),
            conv("vgg_first_3_64_224", new long[] {1, 224, 224, 3}, 64, new int[] {3, 3}, 1, 1, "same"),
            conv("strided_3x3_s2_64_128", new long[] {1, 56, 56, 64}, 128, new int[] {3, 3}, 2, 1, "same"),
            new BenchShape("mobilenet_dw_3x3_32_112", Op.DEPTHWISE, new long[] {1, 112, 112, 32}, 32,
                    new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, "same"),
            new BenchShape("unet_transpose_2x2_256", Op.TRANSPOSE, new long[] {1, 28, 28, 256}, 128,
                    new int[] {2, 2}, new int[] {2, 2}, new int[] {1, 1}, "same"),
            conv("wavenet_causal_1d_64", new long[] {1, 16000, 64}, 64, new int[] {2}, 1, 8, "causal"),
            conv("video_3d_3x3x3_32", new long[] {1, 16, 56, 56, 32}, 32, new int[] {3, 3, 3}, 1, 1, "same"),
            conv("tiny_3x3_8_8", new long[] {1, 8, 8, 8}, 8, new int[] {3, 3}, 1, 1, "same"));

    public BenchShape {
        input = input.clone();
        kernel = kernel.clone();
        strides = strides.clone();
        dilation = dilation.clone();
        if (input.length != kernel.length + 2 || strides.length != kernel.length || dilation.length != kernel.length) {
            throw new IllegalArgumentException(name + ": input, kernel, strides and dilation ranks disagree");
        }
        if (op == Op.DEPTHWISE && filters != input[input.length - 1]) {
            throw new IllegalArgumentException(name + ": depthwise (depth_multiplier 1) needs filters == channels");
        }
    }

    private static BenchShape conv(String name, long[] input, int filters, int[] kernel, int stride, int dilation,
                                   String padding) {
        int[] s = new int[kernel.length];
        int[] d = new int[kernel.length];
        Arrays.fill(s, stride);
        Arrays.fill(d, dilation);
        return new BenchShape(name, Op.CONV, input, filters, kernel, s, d, padding);
    }

    public static BenchShape byName(String name) {
        return SUITE.stream().filter(s -> s.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("--shapes: no benchmark shape named \"" + name
                        + "\"; the suite's: " + String.join(", ", SUITE.stream().map(s -> s.name).toList())));
    }

    public int rank() {
        return kernel.length;
    }

    public long batch() {
        return input[0];
    }

    public int channels() {
        return (int) input[input.length - 1];
    }

    public long[] spatialIn() {
        return Arrays.copyOfRange(input, 1, input.length - 1);
    }

    public int groups() {
        return op == Op.DEPTHWISE ? channels() : 1;
    }

    private int keff(int a) {
        return (kernel[a] - 1) * dilation[a] + 1;
    }

    /** Output spatial lengths (Keras 2's rules, which kdnn implements). */
    public long[] spatialOut() {
        long[] in = spatialIn();
        long[] out = new long[rank()];
        for (int a = 0; a < rank(); a++) {
            int k = keff(a), s = strides[a];
            if (op == Op.TRANSPOSE) {
                out[a] = padding.equals("same") ? in[a] * s : in[a] * s + Math.max(k - s, 0);
            } else {
                out[a] = switch (padding) {
                    case "same" -> (in[a] + s - 1) / s;
                    case "causal" -> (in[a] + s - 1) / s;
                    default -> (in[a] - k) / s + 1;
                };
            }
        }
        return out;
    }

    /** The Keras output shape (channels_last). */
    public long[] outputShape() {
        long[] out = new long[rank() + 2];
        out[0] = batch();
        System.arraycopy(spatialOut(), 0, out, 1, rank());
        out[rank() + 1] = filters;
        return out;
    }

    /** oneDNN's padding before each spatial axis (also ONNX's begin pads). */
    public long[] padLeft() {
        long[] in = spatialIn();
        long[] out = spatialOut();
        long[] pl = new long[rank()];
        for (int a = 0; a < rank(); a++) {
            int k = keff(a), s = strides[a];
            if (op == Op.TRANSPOSE) {
                pl[a] = padding.equals("same") ? Math.max(k - s, 0) / 2 : 0;
            } else if (padding.equals("causal")) {
                pl[a] = k - 1;
            } else if (padding.equals("same")) {
                pl[a] = Math.max((out[a] - 1) * s + k - in[a], 0) / 2;
            }
        }
        return pl;
    }

    /** oneDNN's padding after each spatial axis (also ONNX's end pads). */
    public long[] padRight() {
        long[] in = spatialIn();
        long[] out = spatialOut();
        long[] pl = padLeft();
        long[] pr = new long[rank()];
        for (int a = 0; a < rank(); a++) {
            int k = keff(a), s = strides[a];
            pr[a] = op == Op.TRANSPOSE ? (in[a] - 1) * s + k - pl[a] - out[a] : (out[a] - 1) * s + k - in[a] - pl[a];
        }
        return pr;
    }

    /** Keras' kernel shape: conv {@code (k..., in/groups, filters)}, transposed {@code (k..., filters, in)}. */
    public int[] kernelShape() {
        int[] s = Arrays.copyOf(kernel, rank() + 2);
        if (op == Op.TRANSPOSE) {
            s[rank()] = filters;
            s[rank() + 1] = channels();
        } else {
            s[rank()] = channels() / groups();
            s[rank() + 1] = filters;
        }
        return s;
    }

    /** Multiply-accumulates of one call (each output element: its taps times input channels per group). */
    public double macs() {
        double out = 1;
        for (long d : outputShape()) out *= d;
        double taps = 1;
        for (int k : kernel) taps *= k;
        if (op == Op.TRANSPOSE) {
            // every input element reaches filters * taps outputs
            double in = 1;
            for (long d : input) in *= d;
            return in * filters * taps;
        }
        return out * taps * (channels() / groups());
    }

    /** The same kind of shape, small: for tests (batch 1, short axes, few channels). */
    public BenchShape scaledDown() {
        long[] in = input.clone();
        in[0] = 1;
        for (int a = 1; a <= rank(); a++) in[a] = Math.min(in[a], rank() == 1 ? 40 : 9);
        int c = Math.min(channels(), 6);
        in[rank() + 1] = c;
        int f = op == Op.DEPTHWISE ? c : Math.min(filters, 5);
        return new BenchShape(name + "_small", op, in, f, kernel, strides, dilation, padding);
    }

    // ---- values -------------------------------------------------------------------------

    /** Deterministic weights: Keras kernel and bias, uniform in +-1/sqrt(fan_in). */
    public record Weights(int[] kernelShape, float[] kernel, float[] bias) {
        public List<Weight> keras() {
            return List.of(new Weight("kernel", kernelShape, kernel), new Weight("bias", new int[] {bias.length}, bias));
        }
    }

    public Weights weights(long seed) {
        int[] ks = kernelShape();
        SplittableRandom r = new SplittableRandom(seed);
        long n = 1;
        for (int d : ks) n *= d;
        int fanIn = 1;
        for (int k : kernel) fanIn *= k;
        fanIn *= op == Op.TRANSPOSE ? channels() : channels() / groups();
        double scale = 1.0 / Math.sqrt(fanIn);
        float[] k = new float[Math.toIntExact(n)];
        for (int i = 0; i < k.length; i++) k[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        float[] b = new float[filters];
        for (int i = 0; i < b.length; i++) b[i] = (float) ((r.nextDouble() * 2 - 1) * 0.1);
        return new Weights(ks, k, b);
    }

    /** A deterministic input in [-1, 1). */
    public float[] inputValues(long seed) {
        long n = 1;
        for (long d : input) n *= d;
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[Math.toIntExact(n)];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    // ---- implementations ----------------------------------------------------------------

    /** A new kdnn layer for this shape, built and given {@code w}. */
    public BaseConv newLayer(Weights w) {
        ConvBuilder<? extends BaseConv> b = switch (op) {
            case TRANSPOSE -> Conv2DTranspose.builder(filters, kernel);
            case CONV, DEPTHWISE -> switch (rank()) {
                case 1 -> Conv1D.builder(filters, kernel);
                case 2 -> Conv2D.builder(filters, kernel);
                default -> Conv3D.builder(filters, kernel);
            };
        };
        if (op == Op.DEPTHWISE) b.groups(groups());
        b.strides(strides).dilationRate(dilation).padding(Padding.valueOf(padding.toUpperCase(Locale.ROOT)))
                .dataFormat(DataFormat.CHANNELS_LAST).activation(Activation.RELU).useBias(true);
        BaseConv layer = b.build();
        try {
            layer.build(input);
            layer.setWeights(w.keras());
            return layer;
        } catch (RuntimeException | Error e) {
            layer.close();
            throw e;
        }
    }

    /** The pure-Java reference output (channels_last) for input {@code x}. */
    public float[] reference(float[] x, Weights w) {
        int[] inShape = Arrays.stream(input).mapToInt(Math::toIntExact).toArray();
        RefArray in = new RefArray(inShape, x);
        RefArray k = new RefArray(w.kernelShape(), w.kernel());
        RefArray b = new RefArray(new int[] {filters}, w.bias());
        RefArray y = op == Op.TRANSPOSE
                ? ReferenceConv.transposed(in, k, b, strides, padding, dilation, null, false)
                : ReferenceConv.conv(in, k, b, strides, padding, dilation, groups(), false);
        return ReferenceActivation.apply("relu", y).data();
    }

    /** kdnn's output for input {@code x} (one call on a new layer; for checks, not timing). */
    public float[] kdnn(float[] x, Weights w) {
        try (BaseConv layer = newLayer(w); Tensor in = Tensor.of(x, input); Tensor out = layer.call(in)) {
            return out.toFloatArray();
        }
    }

    /** oneDNN's logical dims and geometry, one line for {@code native/bench_conv.c}. */
    public String nativeLine() {
        int r = rank();
        List<Long> v = new ArrayList<>();
        v.add((long) (op == Op.TRANSPOSE ? 1 : op == Op.DEPTHWISE ? 2 : 0));
        v.add((long) r);
        v.add(batch());
        v.add((long) channels());
        for (long s : spatialIn()) v.add(s);
        long[] w = switch (op) {
            case CONV -> concat(new long[] {filters, channels()}, kernel);
            case TRANSPOSE -> concat(new long[] {filters, channels()}, kernel);
            case DEPTHWISE -> concat(new long[] {channels(), 1, 1}, kernel);
        };
        v.add((long) w.length);
        for (long d : w) v.add(d);
        v.add(batch());
        v.add((long) filters);
        for (long s : spatialOut()) v.add(s);
        for (int s : strides) v.add((long) s);
        for (int d : dilation) v.add((long) d - 1);
        for (long p : padLeft()) v.add(p);
        for (long p : padRight()) v.add(p);
        StringBuilder sb = new StringBuilder(name);
        for (long x : v) sb.append(' ').append(x);
        return sb.toString();
    }

    private static long[] concat(long[] head, int[] tail) {
        long[] out = Arrays.copyOf(head, head.length + tail.length);
        for (int i = 0; i < tail.length; i++) out[head.length + i] = tail[i];
        return out;
    }

    @Override
    public String toString() {
        return name;
    }
}
