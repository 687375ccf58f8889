package kdnn.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Regularizer;
import kdnn.runtime.Convolutions;

/**
 * Keras' plain convolution of any rank (Conv1D/2D/3D; Keras 3's {@code BaseConv}): kernel
 * {@code (k..., in/groups, filters)}, one oneDNN convolution, grouped when {@code groups > 1}.
 */
public abstract class BasePlainConv extends BaseConv {
    private final int filters;
    private final int groups;
    private final Initializer kernelInitializer;
    private final Regularizer kernelRegularizer;
    private final Constraint kernelConstraint;

    BasePlainConv(ConvBuilder<?> b) {
        super(b, forwardSpec(b));
        this.filters = b.filters;
        this.groups = b.groups;
        this.kernelInitializer = b.kernelInitializer;
        this.kernelRegularizer = b.kernelRegularizer;
        this.kernelConstraint = b.kernelConstraint;
    }

    /** Keras' {@code filters} argument. */
    public final int filters() {
        return filters;
    }

    /** Keras' {@code groups} argument. */
    public final int groups() {
        return groups;
    }

    @Override
    final long outputChannels(long inputChannels) {
        return filters;
    }

    @Override
    final long builtInputChannels() {
        return (long) variables.get(0).shape[spec().rank()] * groups;
    }

    @Override
    final void checkInputChannels(long channels, long[] shape) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException("The number of input channels must be evenly divisible by the number of"
                    + " groups. Received groups=" + groups + ", but the input has " + channels
                    + " channels (full input shape is " + Shapes.format(shape) + ")");
        }
    }

    @Override
    final long multiplyAdds(long positions, long in, long taps) {
        return positions * filters * (in / groups) * taps;
    }

    @Override
    final void createKernels(int in) {
        variables.add(variable("kernel", append(spec().kernel(), in / groups, filters), kernelInitializer,
                kernelRegularizer, kernelConstraint));
    }

    @Override
    final double gain() {
        Variable kernel = variables.get(0);
        return KerasExtremes.gain(kernel.data(), Shapes.product(kernel.shape), filters, 1);
    }

    @Override
    final List<Convolutions.Op> ops(long[] src, long[] dst, long[] padLeft, long[] padRight,
                                   List<kdnn.runtime.Attributes.PostOp> post) {
        int rank = spec().rank();
        long in = src[1];
        long[] w = groups == 1 ? dims(filters, in, spec().kernel())
                : dims(groups, filters / groups, in / groups, spec().kernel());
        int tag = groups == 1 ? WeightTags.io(rank) : WeightTags.igo(rank);
        return List.of(op(false, w, tag, variables.get(0), bias(), dst, padLeft, padRight, post));
    }

    /** Keras 2's Conv.get_config(), in its order. */
    @Override
    public final ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("filters", filters);
        putGeometry(c, true);
        c.put("groups", groups);
        putActivation(c);
        putKernelAndBias(c, "kernel", kernelInitializer, kernelRegularizer, kernelConstraint);
        return c;
    }
}
