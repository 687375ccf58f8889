package kdnn.reference;

import java.util.Arrays;

/**
 * Keras 2 convolutions as plain loops, one rank-generic implementation for 1D, 2D and 3D.
 * Everything is computed in channels_last; channels_first inputs are transposed in and out.
 * Sums are accumulated in double and rounded to float once at the end.
 */
public final class ReferenceConv {
    private ReferenceConv() {
    }

    /** The weight connecting input channel {@code ic} to output channel {@code oc} at kernel tap {@code tap}. */
    @FunctionalInterface
    private interface Taps {
        double weight(int[] tap, int ic, int oc);
    }

    /**
     * Which input channels feed which output channels. Grouped and depthwise kernels hold no weight
     * for the other pairs; skipping them (rather than multiplying by 0) keeps a NaN or Inf in its
     * own group, as Keras' grouped kernels do.
     */
    private interface Connects {
        boolean test(int ic, int oc);
    }

    /**
     * Keras ConvND: kernel {@code (k1..kr, in/groups, filters)}, bias {@code (filters)} or null.
     * With {@code groups > 1} input channel {@code ic} feeds only the filters of group {@code ic / (in/groups)}.
     */
    public static RefArray conv(RefArray input, RefArray kernel, RefArray biasOrNull, int[] strides, String padding,
            int[] dilation, int groups, boolean channelsFirst) {
        int r = spatialRank(input);
        int channels = channelAxisLength(input, channelsFirst);
        checkKernelRank(kernel, r);
        if (groups < 1 || channels % groups != 0) {
            throw new IllegalArgumentException("groups=" + groups + " must divide the " + channels + " input channels");
        }
        int perGroupIn = channels / groups;
        int filters = kernel.shape()[r + 1];
        if (kernel.shape()[r] != perGroupIn) {
            throw new IllegalArgumentException("kernel " + Arrays.toString(kernel.shape()) + " expects "
                    + kernel.shape()[r] + " input channels per group, input has " + perGroupIn);
        }
        if (filters % groups != 0) {
            throw new IllegalArgumentException("groups=" + groups + " must divide the " + filters + " filters");
        }
        int perGroupOut = filters / groups;
        Connects connects = (ic, oc) -> ic / perGroupIn == oc / perGroupOut;
        Taps taps = (tap, ic, oc) -> kernel.data()[kernelOffset(kernel, tap, ic % perGroupIn, oc)];
        return forward(input, kernelSpatial(kernel, r), filters, connects, taps, biasOrNull, strides, padding,
                dilation, channelsFirst, false);
    }

    /**
     * Depthwise convolution, kernel {@code (k1..kr, in, depth_multiplier)}, no bias:
     * output channel {@code c*dm + m} reads only input channel {@code c} through {@code kernel[..., c, m]}.
     */
    public static RefArray depthwise(RefArray input, RefArray kernel, int[] strides, String padding, int[] dilation,
            boolean channelsFirst) {
        return depthwise(input, kernel, null, strides, padding, dilation, channelsFirst, false);
    }

    /**
     * Keras DepthwiseConvND: as {@link #depthwise(RefArray, RefArray, int[], String, int[], boolean)}
     * with a bias of {@code in*dm} values or null. {@code stridesWithDilation}: Keras 3's rule, which
     * takes strides and dilation above 1 together (then input position {@code o*s + t*d - padBefore}).
     */
    public static RefArray depthwise(RefArray input, RefArray kernel, RefArray biasOrNull, int[] strides,
            String padding, int[] dilation, boolean channelsFirst, boolean stridesWithDilation) {
        int r = spatialRank(input);
        int channels = channelAxisLength(input, channelsFirst);
        checkKernelRank(kernel, r);
        if (kernel.shape()[r] != channels) {
            throw new IllegalArgumentException("depthwise kernel " + Arrays.toString(kernel.shape()) + " expects "
                    + kernel.shape()[r] + " input channels, input has " + channels);
        }
        int dm = kernel.shape()[r + 1];
        Connects connects = (ic, oc) -> oc / dm == ic;
        Taps taps = (tap, ic, oc) -> kernel.data()[kernelOffset(kernel, tap, ic, oc % dm)];
        return forward(input, kernelSpatial(kernel, r), channels * dm, connects, taps, biasOrNull, strides, padding,
                dilation, channelsFirst, stridesWithDilation);
    }

    /**
     * Keras SeparableConv: depthwise (no bias) with the given strides, padding and dilation, then a
     * pointwise 1x1 convolution with kernel {@code (1..1, in*dm, filters)} and the bias.
     */
    public static RefArray separable(RefArray input, RefArray depthwiseKernel, RefArray pointwiseKernel,
            RefArray biasOrNull, int[] strides, String padding, int[] dilation, boolean channelsFirst) {
        return separable(input, depthwiseKernel, pointwiseKernel, biasOrNull, strides, padding, dilation, channelsFirst,
                false);
    }

    /** As above; {@code stridesWithDilation} is Keras 3's rule (see {@link #depthwise}). */
    public static RefArray separable(RefArray input, RefArray depthwiseKernel, RefArray pointwiseKernel,
            RefArray biasOrNull, int[] strides, String padding, int[] dilation, boolean channelsFirst,
            boolean stridesWithDilation) {
        int r = spatialRank(input);
        checkKernelRank(pointwiseKernel, r);
        for (int a = 0; a < r; a++) {
            if (pointwiseKernel.shape()[a] != 1) {
                throw new IllegalArgumentException(
                        "pointwise kernel must be 1x1, got " + Arrays.toString(pointwiseKernel.shape()));
            }
        }
        RefArray depth = depthwise(input, depthwiseKernel, null, strides, padding, dilation, channelsFirst,
                stridesWithDilation);
        int[] ones = new int[r];
        Arrays.fill(ones, 1);
        return conv(depth, pointwiseKernel, biasOrNull, ones, "valid", ones, 1, channelsFirst);
    }

    /**
     * Keras 2 ConvNDTranspose: kernel {@code (k1..kr, filters, in)}, bias {@code (filters)} or null.
     * It is the input-gradient of a forward convolution: {@code out[o] += in[i] * w[t]} with
     * {@code o = i*s + t*d - padBefore}; positions no tap reaches hold only the bias.
     * {@code outputPaddingOrNull} is Keras' {@code output_padding} (null: Keras 2's default lengths).
     */
    public static RefArray transposed(RefArray input, RefArray kernel, RefArray biasOrNull, int[] strides,
            String padding, int[] dilation, int[] outputPaddingOrNull, boolean channelsFirst) {
        int r = spatialRank(input);
        int channels = channelAxisLength(input, channelsFirst);
        checkKernelRank(kernel, r);
        checkStridesAndDilation(r, strides, dilation, false);
        Padding mode = Padding.parse(padding);
        if (mode == Padding.CAUSAL) {
            throw new IllegalArgumentException("'causal' padding is not defined for transposed convolutions");
        }
        if (kernel.shape()[r + 1] != channels) {
            throw new IllegalArgumentException("transposed kernel " + Arrays.toString(kernel.shape()) + " expects "
                    + kernel.shape()[r + 1] + " input channels, input has " + channels);
        }
        if (outputPaddingOrNull != null && outputPaddingOrNull.length != r) {
            throw new IllegalArgumentException("output_padding needs " + r + " values, got "
                    + Arrays.toString(outputPaddingOrNull));
        }
        int filters = kernel.shape()[r];
        float[] bias = checkBias(biasOrNull, filters);
        int[] ks = kernelSpatial(kernel, r);

        RefArray x = channelsFirst ? Layouts.toChannelsLast(input) : input;
        int batch = x.shape()[0];
        int[] inSpatial = Arrays.copyOfRange(x.shape(), 1, r + 1);
        int[] outSpatial = new int[r];
        int[] padBefore = new int[r];
        for (int a = 0; a < r; a++) {
            Integer op = outputPaddingOrNull == null ? null : outputPaddingOrNull[a];
            if (op != null && (op < 0 || op >= strides[a])) {
                throw new IllegalArgumentException("output_padding " + op + " on axis " + a
                        + " must be >= 0 and smaller than the stride " + strides[a]);
            }
            int n = inSpatial[a];
            int keff = ConvGeometry.effectiveKernel(ks[a], dilation[a]);
            outSpatial[a] = transposedLength(n, ks[a], strides[a], dilation[a], mode == Padding.SAME, op);
            if (outSpatial[a] <= 0) {
                throw new IllegalArgumentException("transposed convolution gives no output on spatial axis " + a);
            }
            // TensorFlow runs this as the gradient of a forward convolution of the output; it refuses
            // an output length that convolution would not map back to n
            int back = mode == Padding.SAME ? (outSpatial[a] + strides[a] - 1) / strides[a]
                    : Math.floorDiv(outSpatial[a] - keff, strides[a]) + 1;
            if (back != n) {
                throw new IllegalArgumentException("output length " + outSpatial[a] + " on spatial axis " + a
                        + " does not map back to the input length " + n + " (a " + padding + " convolution gives "
                        + back + ")");
            }
            // the padding of the forward convolution this one is the gradient of
            padBefore[a] = mode == Padding.VALID ? 0 : Math.max((n - 1) * strides[a] + keff - outSpatial[a], 0) / 2;
        }

        int[] outShape = channelsLastShape(batch, outSpatial, filters);
        double[] acc = new double[Math.toIntExact(Shapes.size(outShape))];
        for (int i = 0; i < acc.length; i++) {
            acc[i] = bias == null ? 0.0 : bias[i % filters];
        }
        if (x.data().length > 0) {
            int[] xIdx = new int[r + 2];   // (n, i1..ir, ic) over the input
            int[] oIdx = new int[r + 2];   // (n, o1..or, oc) over the output
            do {
                double xv = x.data()[Shapes.offset(x.shape(), xIdx)];
                int ic = xIdx[r + 1];
                int[] tap = new int[r];
                do {
                    boolean inside = true;
                    oIdx[0] = xIdx[0];
                    for (int a = 0; a < r; a++) {
                        int o = xIdx[a + 1] * strides[a] + tap[a] * dilation[a] - padBefore[a];
                        inside &= o >= 0 && o < outSpatial[a];
                        oIdx[a + 1] = o;
                    }
                    if (!inside) {
                        continue;
                    }
                    for (int oc = 0; oc < filters; oc++) {
                        oIdx[r + 1] = oc;
                        acc[Shapes.offset(outShape, oIdx)] += xv * kernel.data()[kernelOffset(kernel, tap, oc, ic)];
                    }
                } while (Shapes.next(tap, ks));
            } while (Shapes.next(xIdx, x.shape()));
        }
        RefArray out = new RefArray(outShape, toFloat(acc));
        return channelsFirst ? Layouts.toChannelsFirst(out) : out;
    }

    /**
     * Keras 2 {@code deconv_output_length} for padding valid or same.
     * Without output padding: valid {@code n*s + max(keff-s, 0)}, same {@code n*s};
     * with it: {@code (n-1)*s + keff - 2*pad + outputPadding}, {@code pad = same ? keff/2 : 0}.
     */
    public static int transposedLength(int n, int k, int s, int d, boolean same, Integer outputPadding) {
        int keff = ConvGeometry.effectiveKernel(k, d);
        if (outputPadding == null) {
            return same ? n * s : n * s + Math.max(keff - s, 0);
        }
        int pad = same ? keff / 2 : 0;
        return (n - 1) * s + keff - 2 * pad + outputPadding;
    }

    /** The one forward-convolution loop: every conv kind differs only in its {@link Connects} and {@link Taps}. */
    private static RefArray forward(RefArray input, int[] ks, int outChannels, Connects connects, Taps taps,
            RefArray biasOrNull, int[] strides, String padding, int[] dilation, boolean channelsFirst,
            boolean stridesWithDilation) {
        int r = ks.length;
        checkStridesAndDilation(r, strides, dilation, stridesWithDilation);
        float[] bias = checkBias(biasOrNull, outChannels);
        RefArray x = channelsFirst ? Layouts.toChannelsLast(input) : input;
        int batch = x.shape()[0];
        int inChannels = x.shape()[r + 1];
        int[] inSpatial = Arrays.copyOfRange(x.shape(), 1, r + 1);
        ConvGeometry g = ConvGeometry.forward(inSpatial, ks, strides, dilation, Padding.parse(padding));

        int[] outShape = channelsLastShape(batch, g.outSpatial(), outChannels);
        float[] out = new float[Math.toIntExact(Shapes.size(outShape))];
        if (out.length > 0) {
            int[] oIdx = new int[r + 2];   // (n, o1..or, oc)
            int[] xIdx = new int[r + 2];   // (n, i1..ir, ic)
            do {
                int oc = oIdx[r + 1];
                double sum = bias == null ? 0.0 : bias[oc];
                xIdx[0] = oIdx[0];
                int[] tap = new int[r];
                do {
                    boolean inside = true;
                    for (int a = 0; a < r; a++) {
                        int i = oIdx[a + 1] * strides[a] + tap[a] * dilation[a] - g.padBefore()[a];
                        inside &= i >= 0 && i < inSpatial[a];
                        xIdx[a + 1] = i;
                    }
                    if (!inside) {
                        continue; // a padding zero contributes nothing
                    }
                    for (int ic = 0; ic < inChannels; ic++) {
                        if (connects.test(ic, oc)) {
                            xIdx[r + 1] = ic;
                            sum += x.data()[Shapes.offset(x.shape(), xIdx)] * taps.weight(tap, ic, oc);
                        }
                    }
                } while (Shapes.next(tap, ks));
                out[Shapes.offset(outShape, oIdx)] = (float) sum;
            } while (Shapes.next(oIdx, outShape));
        }
        RefArray result = new RefArray(outShape, out);
        return channelsFirst ? Layouts.toChannelsFirst(result) : result;
    }

    private static int spatialRank(RefArray input) {
        int r = input.rank() - 2;
        if (r < 1 || r > 3) {
            throw new IllegalArgumentException("convolution input must have rank 3, 4 or 5 (batch, spatial, channels), got "
                    + Arrays.toString(input.shape()));
        }
        return r;
    }

    private static int channelAxisLength(RefArray input, boolean channelsFirst) {
        return input.shape()[channelsFirst ? 1 : input.rank() - 1];
    }

    private static void checkKernelRank(RefArray kernel, int r) {
        if (kernel == null || kernel.rank() != r + 2) {
            throw new IllegalArgumentException("kernel for a " + r + "D convolution must have rank " + (r + 2)
                    + ", got " + (kernel == null ? "null" : Arrays.toString(kernel.shape())));
        }
    }

    private static int[] kernelSpatial(RefArray kernel, int r) {
        return Arrays.copyOfRange(kernel.shape(), 0, r);
    }

    /** Flat offset of {@code kernel[tap..., c1, c2]}. */
    private static int kernelOffset(RefArray kernel, int[] tap, int c1, int c2) {
        int r = tap.length;
        int[] idx = Arrays.copyOf(tap, r + 2);
        idx[r] = c1;
        idx[r + 1] = c2;
        return Shapes.offset(kernel.shape(), idx);
    }

    static void checkStridesAndDilation(int r, int[] strides, int[] dilation, boolean stridesWithDilation) {
        if (strides == null || strides.length != r || dilation == null || dilation.length != r) {
            throw new IllegalArgumentException("strides and dilation need " + r + " values each, got "
                    + Arrays.toString(strides) + " and " + Arrays.toString(dilation));
        }
        boolean strided = false;
        boolean dilated = false;
        for (int a = 0; a < r; a++) {
            if (strides[a] < 1 || dilation[a] < 1) {
                throw new IllegalArgumentException("strides and dilation must be >= 1, got "
                        + Arrays.toString(strides) + " and " + Arrays.toString(dilation));
            }
            strided |= strides[a] != 1;
            dilated |= dilation[a] != 1;
        }
        // TensorFlow (and so Keras 2) refuses strides != 1 together with dilation_rate != 1
        if (strided && dilated && !stridesWithDilation) {
            throw new IllegalArgumentException("strides " + Arrays.toString(strides) + " != 1 together with dilation_rate "
                    + Arrays.toString(dilation) + " != 1 is not supported");
        }
    }

    private static float[] checkBias(RefArray biasOrNull, int channels) {
        if (biasOrNull == null) {
            return null;
        }
        if (biasOrNull.rank() != 1 || biasOrNull.shape()[0] != channels) {
            throw new IllegalArgumentException("bias must have shape [" + channels + "], got "
                    + Arrays.toString(biasOrNull.shape()));
        }
        return biasOrNull.data();
    }

    private static int[] channelsLastShape(int batch, int[] spatial, int channels) {
        int r = spatial.length;
        int[] shape = new int[r + 2];
        shape[0] = batch;
        System.arraycopy(spatial, 0, shape, 1, r);
        shape[r + 1] = channels;
        return shape;
    }

    private static float[] toFloat(double[] acc) {
        float[] f = new float[acc.length];
        for (int i = 0; i < acc.length; i++) {
            f[i] = (float) acc[i];
        }
        return f;
    }
}
