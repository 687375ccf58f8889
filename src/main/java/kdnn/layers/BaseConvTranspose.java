package kdnn.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Regularizer;
import kdnn.runtime.Convolutions;

/**
 * Keras' transposed convolution of any rank (Conv1D/2D/3DTranspose; Keras 3's
 * {@code BaseConvTranspose}): kernel {@code (k..., filters, in)}, run as one oneDNN deconvolution.
 * Output lengths follow Keras 2's {@code deconv_output_length}; the result is the full transposed
 * convolution cropped from TensorFlow's {@code pad_before} (see {@link ConvSpec}).
 */
public abstract class BaseConvTranspose extends BaseConv {
    private final int filters;
    private final int groups;
    private final boolean writesDilation;
    private final Initializer kernelInitializer;
    private final Regularizer kernelRegularizer;
    private final Constraint kernelConstraint;

    /**
     * @param usesDilation false where Keras takes {@code dilation_rate} but ignores it and leaves it
     *                     out of its config (tf-keras' Conv3DTranspose)
     */
    BaseConvTranspose(ConvBuilder<?> b, boolean usesDilation) {
        super(b, new ConvSpec(b.rank, b.kernelSize, b.strides, b.padding, b.dataFormat,
                usesDilation ? b.dilationRate : ones(b.rank), true, b.outputPadding));
        this.filters = b.filters;
        // tf-keras' Conv checks filters % groups, then its transposed subclasses never use groups
        this.groups = b.groups;
        this.writesDilation = usesDilation;
        this.kernelInitializer = b.kernelInitializer;
        this.kernelRegularizer = b.kernelRegularizer;
        this.kernelConstraint = b.kernelConstraint;
    }

    private static int[] ones(int rank) {
        int[] a = new int[rank];
        Arrays.fill(a, 1);
        return a;
    }

    /** Keras' {@code filters} argument. */
    public final int filters() {
        return filters;
    }

    @Override
    final long outputChannels(long inputChannels) {
        return filters;
    }

    @Override
    final long builtInputChannels() {
        return variables.get(0).shape[spec().rank() + 1];
    }

    /**
     * TensorFlow computes a transposed convolution as the input gradient of the forward one, and
     * refuses an output length that forward convolution would not map back to the input's (e.g.
     * {@code same}, an even kernel and an explicit {@code output_padding} of 0).
     */
    @Override
    final void checkSpatial(long[] spatialIn, long[] spatialOut) {
        ConvSpec s = spec();
        for (int i = 0; i < s.rank(); i++) {
            if (spatialIn[i] < 0) continue; // checked at the call, when known
            long length = spatialOut[i];
            long stride = s.strides()[i];
            long back = s.padding() == Padding.SAME ? -Math.floorDiv(-length, stride)
                    : Math.floorDiv(length - s.effectiveKernel(i), stride) + 1;
            if (back != spatialIn[i]) {
                throw new IllegalArgumentException(className() + " \"" + name() + "\": Keras asks for an output of length "
                        + length + " on spatial axis " + i + " from an input of length " + spatialIn[i] + ", but a `"
                        + s.padding().kerasName() + "` convolution with kernel " + s.effectiveKernel(i) + " and strides "
                        + stride + " maps length " + length + " back to " + back + "; TensorFlow refuses this"
                        + " (Conv2DBackpropInput: size of out_backprop doesn't match computed). output_padding="
                        + Shapes.format(s.outputPadding()));
            }
        }
    }

    @Override
    final long multiplyAdds(long positions, long in, long taps) {
        long strides = 1;
        for (int s : spec().strides()) strides *= s;
        // the same multiply-adds as the forward convolution, counted from the input side
        return positions / Math.max(1, strides) * filters * in * taps;
    }

    @Override
    final void createKernels(int in) {
        variables.add(variable("kernel", append(spec().kernel(), filters, in), kernelInitializer, kernelRegularizer,
                kernelConstraint));
    }

    @Override
    final double gain() {
        Variable kernel = variables.get(0);
        return KerasExtremes.gain(kernel.data(), Shapes.product(kernel.shape), filters, kernel.shape[spec().rank() + 1]);
    }

    @Override
    final List<Convolutions.Op> ops(long[] src, long[] dst, long[] padLeft, long[] padRight,
                                   List<kdnn.runtime.Attributes.PostOp> post) {
        return List.of(op(true, dims(filters, src[1], spec().kernel()), WeightTags.oi(spec().rank()), variables.get(0),
                bias(), dst, padLeft, padRight, post));
    }

    /** A transposed convolution's padding is cropping: a ZeroPadding before it does not fold in. */
    @Override
    final boolean acceptsInputPadding(int[][] padding, DataFormat format, long[] paddedInputShape) {
        return false;
    }

    /** Keras 2's Conv.get_config() (less dilation_rate where Keras leaves it out), then output_padding. */
    @Override
    public final ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("filters", filters);
        putGeometry(c, writesDilation);
        c.put("groups", groups);
        putActivation(c);
        putKernelAndBias(c, "kernel", kernelInitializer, kernelRegularizer, kernelConstraint);
        if (spec().outputPadding() == null) c.putNull("output_padding");
        else putTuple(c, "output_padding", spec().outputPadding());
        return c;
    }
}
