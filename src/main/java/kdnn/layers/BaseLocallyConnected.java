package kdnn.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.Tensor;
import kdnn.runtime.LocalConnections;
import kdnn.runtime.Pipeline;

/**
 * Keras 2's locally connected layers (tf.keras' {@code LocallyConnected1D/2D}; Keras 3 has none):
 * a convolution whose weights differ at every output position. Whatever the
 * {@code implementation}, output value {@code (position, f)} is
 * {@code activation(sum over its window of x * w + bias)}; the implementation decides only how the
 * kernel is stored (1: {@code (positions, window values, filters)}; 2: a dense kernel between all
 * input and output values, of which the window's entries are used; 3: those entries alone, in
 * the order of their sorted (output, input) flat indices). "valid" windows start at
 * {@code o * stride}; "same" (implementations 2 and 3) at {@code o * stride - kernel / 2}, with
 * {@code ceil(n / stride)} positions, the outside taps absent. The bias has shape
 * {@code (positions..., filters)} in both data formats and Keras adds it reshaped, not transposed,
 * to a channels_first output: its flat values in the output's own order.
 *
 * <p>Runs as oneDNN reorders gathering the windows and one batched matmul
 * ({@link LocalConnections}), on the kernel in implementation 1's layout (the stored one for 1,
 * derived once per weight change for 2 and 3).
 */
public abstract class BaseLocallyConnected extends Layer {
    private final int rank;
    private final int filters;
    private final int[] kernelSize;
    private final int[] strides;
    private final Padding padding;
    private final DataFormat dataFormat;
    private final Activation activation;
    private final boolean useBias;
    private final KernelArguments weights;
    private final int implementation;
    private final WeightBounds extremes = new WeightBounds(this::makeExtremes);
    private MemorySegment local; // implementation 1's (positions, window, filters) kernel, derived for 2 and 3
    private MemorySegment localBias; // the bias as (positions, filters): the variable's own, transposed for channels_first
    // the input shape being built for: weightsChanged runs then, before builtInputShape is set
    private long[] buildingShape;

    BaseLocallyConnected(LocallyConnectedBuilder<?> b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.rank = b.rank;
        this.filters = b.filters;
        this.kernelSize = b.kernelSize.clone();
        this.strides = b.strides.clone();
        this.padding = b.padding;
        this.dataFormat = b.dataFormat;
        this.activation = b.activation;
        this.useBias = b.useBias;
        this.weights = b.weights;
        this.implementation = b.implementation;
    }

    /** Keras' {@code filters}. */
    public int filters() {
        return filters;
    }

    /** Keras' {@code kernel_size}. */
    public int[] kernelSize() {
        return kernelSize.clone();
    }

    /** Keras' {@code strides}. */
    public int[] strides() {
        return strides.clone();
    }

    /** Keras' {@code padding}. */
    public Padding padding() {
        return padding;
    }

    /** Keras' {@code data_format}. */
    public DataFormat dataFormat() {
        return dataFormat;
    }

    /** Keras' {@code activation}. */
    public Activation activation() {
        return activation;
    }

    /** Keras' {@code use_bias}. */
    public boolean useBias() {
        return useBias;
    }

    /** Keras' {@code implementation}: 1, 2 or 3. */
    public int implementation() {
        return implementation;
    }

    private int firstSpatial() {
        return dataFormat == DataFormat.CHANNELS_FIRST ? 2 : 1;
    }

    private int channelAxis(int ndim) {
        return dataFormat == DataFormat.CHANNELS_FIRST ? 1 : ndim - 1;
    }

    /** Keras' conv_output_length for "valid" or "same", no dilation. */
    private long outputLength(long n, int axis) {
        long length = padding == Padding.SAME ? n : n - kernelSize[axis] + 1;
        return Math.floorDiv(length + strides[axis] - 1, strides[axis]);
    }

    /** Where the window of output position 0 starts: 0, or -kernel/2 for "same" (Keras' conv_connected_inputs). */
    private int shift(int axis) {
        return padding == Padding.SAME ? kernelSize[axis] / 2 : 0;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length != rank + 2) {
            throw incompatible(shape, "expected ndim=" + (rank + 2) + ", found ndim=" + shape.length);
        }
        for (int a = 1; a < shape.length; a++) {
            if (shape[a] <= 0) {
                throw new IllegalArgumentException("The spatial dimensions and channels of the inputs to a "
                        + className() + " layer should be fully-defined and positive, but layer \"" + name()
                        + "\" received the inputs shape " + Shapes.format(shape));
            }
        }
        long[] out = new long[shape.length];
        out[0] = shape[0];
        out[channelAxis(shape.length)] = filters;
        for (int a = 0; a < rank; a++) {
            long length = outputLength(shape[firstSpatial() + a], a);
            if (length <= 0) {
                throw new IllegalArgumentException("One of the dimensions in the output is <= 0 due to downsampling in "
                        + name() + ". Consider increasing the input size. Received input shape " + Shapes.format(shape)
                        + " which would produce output shape with a zero or negative value in a dimension.");
            }
            out[firstSpatial() + a] = length;
        }
        long[] built = builtInputShape();
        if (built != null) {
            for (int a = 1; a < shape.length; a++) {
                if (shape[a] != built[a]) {
                    throw incompatible(shape, "its weights were built for input shape " + Shapes.format(built)
                            + " (a locally connected layer's weights depend on every dimension but the batch)");
                }
            }
        }
        return out;
    }

    private long positions(long[] out) {
        long p = 1;
        for (int a = 0; a < rank; a++) p *= out[firstSpatial() + a];
        return p;
    }

    private long windowValues(long channels) {
        long k = channels;
        for (int w : kernelSize) k *= w;
        return k;
    }

    @Override
    protected void createWeights(long[] inputShape) {
        buildingShape = inputShape.clone();
        long[] out = computeOutputShape(inputShape);
        long channels = inputShape[channelAxis(inputShape.length)];
        long p = positions(out);
        double window = channels;
        for (int w : kernelSize) window *= w;
        // implementation 1's kernel, which 2 and 3 are laid out as too, before any size overflows a long
        if ((double) p * window * filters > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(className() + " \"" + name() + "\": its kernel laid out per position ("
                    + p + " positions x " + (long) window + " window values x " + filters + " filters) would hold more"
                    + " values than get_weights()/set_weights() arrays can (2^31 - 9); check kernel_size, filters and the"
                    + " input's shape");
        }
        long k = windowValues(channels);
        int[] kernelShape = switch (implementation) {
            case 1 -> new int[] {intDim(p), intDim(k), filters};
            case 2 -> {
                // (inputs..., channels, outputs..., filters) or (channels, inputs..., filters, outputs...)
                int[] s = new int[2 * rank + 2];
                int i = 0;
                if (dataFormat == DataFormat.CHANNELS_FIRST) s[i++] = intDim(channels);
                for (int a = 0; a < rank; a++) s[i++] = intDim(inputShape[firstSpatial() + a]);
                if (dataFormat == DataFormat.CHANNELS_LAST) s[i++] = intDim(channels);
                if (dataFormat == DataFormat.CHANNELS_FIRST) s[i++] = filters;
                for (int a = 0; a < rank; a++) s[i++] = intDim(out[firstSpatial() + a]);
                if (dataFormat == DataFormat.CHANNELS_LAST) s[i++] = filters;
                yield s;
            }
            default -> new int[] {intDim(connections(inputShape, out) * channels * filters)};
        };
        // the kernel as implementation 1 lays it out, which 2 and 3 are computed from, has this many values
        if (Shapes.product(toLong(kernelShape)) > Integer.MAX_VALUE - 8 || (double) p * k * filters > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(className() + " \"" + name() + "\": a kernel of shape "
                    + Shapes.format(kernelShape) + " (" + p + " positions x " + k + " window values x " + filters
                    + " filters) would hold more values than get_weights()/set_weights() arrays can (2^31 - 9);"
                    + " check kernel_size, filters and the input's shape");
        }
        variables.add(weights.kernel(kernelShape, arena));
        if (useBias) {
            int[] biasShape = new int[rank + 1];
            for (int a = 0; a < rank; a++) biasShape[a] = intDim(out[firstSpatial() + a]);
            biasShape[rank] = filters;
            variables.add(weights.bias(biasShape, arena));
        }
        local = implementation == 1 ? variables.get(0).data() : arena.allocate(p * k * filters * Float.BYTES, 64);
        if (useBias) {
            localBias = dataFormat == DataFormat.CHANNELS_LAST ? variables.get(1).data()
                    : arena.allocate(p * filters * Float.BYTES, 64);
        }
    }

    private int intDim(long d) {
        if (d > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(className() + " \"" + name() + "\": a weight dimension of " + d
                    + " is more than 2^31 - 1");
        }
        return (int) d;
    }

    private static long[] toLong(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }

    /** Input positions connected to each output position, summed over the positions (implementation 3's count / (in * out channels)). */
    private long connections(long[] in, long[] out) {
        long total = 1;
        for (int a = 0; a < rank; a++) {
            long n = in[firstSpatial() + a];
            long sum = 0;
            for (long o = 0; o < out[firstSpatial() + a]; o++) {
                long start = o * strides[a] - shift(a);
                sum += Math.min(n, start + kernelSize[a]) - Math.max(0, start);
            }
            total *= sum;
        }
        return total;
    }

    @Override
    void weightsChanged() {
        extremes.invalidate();
        if (implementation != 1 && local != null) deriveLocalKernel();
        if (useBias && dataFormat == DataFormat.CHANNELS_FIRST && localBias != null) {
            // Keras adds the (positions..., filters) bias reshaped to (filters, positions...): flat index f * P + p
            MemorySegment own = variables.get(1).data();
            long p = localBias.byteSize() / Float.BYTES / filters;
            for (long pi = 0; pi < p; pi++) {
                for (int f = 0; f < filters; f++) {
                    localBias.setAtIndex(ValueLayout.JAVA_FLOAT, pi * filters + f, own.getAtIndex(ValueLayout.JAVA_FLOAT,
                            f * p + pi));
                }
            }
        }
    }

    /** Implementation 1's kernel from implementation 2's or 3's: the window's entries, zero at taps outside the input. */
    private void deriveLocalKernel() {
        long[] in = builtOrBuilding();
        long[] out = computeOutputShape(in);
        boolean first = dataFormat == DataFormat.CHANNELS_FIRST;
        int c = (int) in[channelAxis(in.length)];
        long p = positions(out);
        long taps = windowValues(1);
        long k = taps * c;
        local.fill((byte) 0);
        MemorySegment kernel = variables.get(0).data();
        long[] n = new long[rank];
        long[] o = new long[rank];
        for (int a = 0; a < rank; a++) {
            n[a] = in[firstSpatial() + a];
            o[a] = out[firstSpatial() + a];
        }
        long inputs = 1;
        for (long d : n) inputs *= d;
        long[] pos = new long[rank];
        if (implementation == 2) {
            long[] t = new long[rank];
            for (long pi = 0; pi < p; pi++) {
                unravel(pi, o, pos);
                for (long ti = 0; ti < taps; ti++) {
                    unravel(ti, toLong(kernelSize), t);
                    long inFlat = 0;
                    boolean inside = true;
                    for (int a = 0; a < rank; a++) {
                        long i = pos[a] * strides[a] - shift(a) + t[a];
                        inside &= i >= 0 && i < n[a];
                        inFlat = inFlat * n[a] + i;
                    }
                    if (!inside) continue;
                    for (int ch = 0; ch < c; ch++) {
                        long kk = first ? ch * taps + ti : ti * c + ch;
                        for (int f = 0; f < filters; f++) {
                            // the dense kernel's (input value, output value) entry, both in the data format's order
                            long row = first ? ch * inputs + inFlat : inFlat * c + ch;
                            long col = first ? (long) f * p + pi : pi * filters + f;
                            float w = kernel.getAtIndex(ValueLayout.JAVA_FLOAT, row * p * filters + col);
                            local.setAtIndex(ValueLayout.JAVA_FLOAT, (pi * k + kk) * filters + f, w);
                        }
                    }
                }
            }
            return;
        }
        // implementation 3: the entries in sorted (output flat index, input flat index) order
        long at = 0;
        long[] start = new long[rank];
        long[] end = new long[rank];
        long[] i = new long[rank];
        for (long outFlat = 0; outFlat < p * filters; outFlat++) {
            long pi = first ? outFlat % p : outFlat / filters;
            int f = (int) (first ? outFlat / p : outFlat % filters);
            unravel(pi, o, pos);
            long span = 1;
            for (int a = 0; a < rank; a++) {
                long s = pos[a] * strides[a] - shift(a);
                start[a] = Math.max(0, s);
                end[a] = Math.min(n[a], s + kernelSize[a]);
                span *= end[a] - start[a];
            }
            for (int ch0 = 0; ch0 < (first ? c : 1); ch0++) {
                for (long si = 0; si < span; si++) {
                    long rest = si;
                    for (int a = rank - 1; a >= 0; a--) {
                        long len = end[a] - start[a];
                        i[a] = start[a] + rest % len;
                        rest /= len;
                    }
                    long ti = 0;
                    for (int a = 0; a < rank; a++) ti = ti * kernelSize[a] + (i[a] - (pos[a] * strides[a] - shift(a)));
                    for (int ch1 = 0; ch1 < (first ? 1 : c); ch1++) {
                        int ch = first ? ch0 : ch1;
                        long kk = first ? ch * taps + ti : ti * c + ch;
                        float w = kernel.getAtIndex(ValueLayout.JAVA_FLOAT, at++);
                        local.setAtIndex(ValueLayout.JAVA_FLOAT, (pi * k + kk) * filters + f, w);
                    }
                }
            }
        }
    }

    private static void unravel(long flat, long[] dims, long[] into) {
        for (int a = dims.length - 1; a >= 0; a--) {
            into[a] = flat % dims[a];
            flat /= dims[a];
        }
    }

    private long[] builtOrBuilding() {
        long[] built = builtInputShape();
        return built != null ? built : buildingShape;
    }

    @Override
    long work(long[] inputShape) {
        long[] out = computeOutputShape(inputShape);
        return Math.max(inputShape[0], 1) * positions(out) * windowValues(inputShape[channelAxis(inputShape.length)])
                * filters;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        Activation act = variant.preActivation() ? Activation.LINEAR : activation;
        long[] out = computeOutputShape(inputShape);
        int[] before = new int[rank];
        for (int a = 0; a < rank; a++) before[a] = shift(a);
        var geometry = new LocalConnections.Geometry(inputShape, dataFormat == DataFormat.CHANNELS_FIRST, kernelSize,
                strides, before, out);
        return LocalConnections.unshared(geometry, local, useBias ? localBias : null, act.postOps(),
                act.tail(out.length - 1, out[out.length - 1], 1));
    }

    /** Bounds for Keras' extreme values: per output value, the sum of |kernel| over its window; the largest |bias|. */
    private KerasExtremes makeExtremes() {
        long[] in = builtOrBuilding();
        long[] out = computeOutputShape(in);
        long p = positions(out);
        long k = windowValues(in[channelAxis(in.length)]);
        double gain = 0;
        double[] sums = new double[filters];
        for (long pi = 0; pi < p; pi++) {
            java.util.Arrays.fill(sums, 0);
            for (long kk = 0; kk < k; kk++) {
                long base = (pi * k + kk) * filters;
                for (int f = 0; f < filters; f++) sums[f] += Math.abs(local.getAtIndex(ValueLayout.JAVA_FLOAT, base + f));
            }
            for (double s : sums) gain = Double.isNaN(s) || Double.isNaN(gain) ? Double.NaN : Math.max(gain, s);
        }
        double bias = useBias ? KerasExtremes.maxMagnitude(variables.get(1).data()) : 0;
        return new KerasExtremes(activation, dataFormat, gain, bias);
    }

    @Override
    double outputBound(double inputBound) {
        return activation.bound(extremes.get().preActivationBound(inputBound));
    }

    @Override
    KerasExtremes kerasExtremes() {
        return activation.fusedKeepsExtremes() ? null : extremes.get();
    }

    @Override
    public double activityPenalty(Tensor output) {
        ensureOpen();
        return weights.activityPenalty(output);
    }

    /** Keras 2's config keys, in its order. */
    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("filters", filters);
        var k = c.putArray("kernel_size");
        for (int v : kernelSize) k.add(v);
        var s = c.putArray("strides");
        for (int v : strides) s.add(v);
        c.put("padding", padding.kerasName());
        c.put("data_format", dataFormat.kerasName());
        c.put("activation", activation.kerasName());
        c.put("use_bias", useBias);
        weights.write(c);
        c.put("implementation", implementation);
        return c;
    }
}
