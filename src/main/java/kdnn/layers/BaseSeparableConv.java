package kdnn.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Regularizer;
import kdnn.runtime.Convolutions;

/**
 * Keras' separable convolution of any rank (SeparableConv1D/2D; Keras 3's
 * {@code BaseSeparableConv}): a depthwise convolution (kernel {@code (k..., in, depth_multiplier)},
 * no bias or activation; channel {@code c*depth_multiplier + m} from input channel {@code c}), then
 * a 1x1 convolution (kernel {@code (1..., in*depth_multiplier, filters)}) with the bias and activation.
 */
public abstract class BaseSeparableConv extends BaseConv {
    private final int filters;
    private final int depthMultiplier;
    private final int groups;
    private final Initializer depthwiseInitializer;
    private final Initializer pointwiseInitializer;
    private final Regularizer depthwiseRegularizer;
    private final Regularizer pointwiseRegularizer;
    private final Constraint depthwiseConstraint;
    private final Constraint pointwiseConstraint;
    private final Initializer inheritedKernelInitializer;
    private final Regularizer inheritedKernelRegularizer;
    private final Constraint inheritedKernelConstraint;

    BaseSeparableConv(ConvBuilder<?> b) {
        super(b, forwardSpec(b));
        this.filters = b.filters;
        this.depthMultiplier = b.depthMultiplier;
        this.groups = b.groups;
        this.depthwiseInitializer = b.kernelInitializer;
        this.pointwiseInitializer = b.pointwiseInitializer;
        this.depthwiseRegularizer = b.kernelRegularizer;
        this.pointwiseRegularizer = b.pointwiseRegularizer;
        this.depthwiseConstraint = b.kernelConstraint;
        this.pointwiseConstraint = b.pointwiseConstraint;
        this.inheritedKernelInitializer = b.inheritedKernelInitializer;
        this.inheritedKernelRegularizer = b.inheritedKernelRegularizer;
        this.inheritedKernelConstraint = b.inheritedKernelConstraint;
    }

    /** Keras' {@code filters} argument. */
    public final int filters() {
        return filters;
    }

    /** Keras' {@code depth_multiplier} argument. */
    public final int depthMultiplier() {
        return depthMultiplier;
    }

    @Override
    final long outputChannels(long inputChannels) {
        return filters;
    }

    @Override
    final long builtInputChannels() {
        return variables.get(0).shape[spec().rank()];
    }

    @Override
    final long multiplyAdds(long positions, long in, long taps) {
        return positions * in * depthMultiplier * (taps + filters);
    }

    @Override
    final void createKernels(int in) {
        variables.add(variable("depthwise_kernel", append(spec().kernel(), in, depthMultiplier), depthwiseInitializer,
                depthwiseRegularizer, depthwiseConstraint));
        variables.add(variable("pointwise_kernel", append(unit(), in * depthMultiplier, filters), pointwiseInitializer,
                pointwiseRegularizer, pointwiseConstraint));
    }

    private int[] unit() {
        int[] ones = new int[spec().rank()];
        Arrays.fill(ones, 1);
        return ones;
    }

    @Override
    final double gain() {
        Variable depthwise = variables.get(0);
        Variable pointwise = variables.get(1);
        int rank = spec().rank();
        double d = KerasExtremes.gain(depthwise.data(), Shapes.product(depthwise.shape),
                (long) depthwise.shape[rank] * depthwise.shape[rank + 1], 1);
        // the depthwise result is bounded too: it is an intermediate (bf16 when computing in bf16)
        return d * Math.max(1, KerasExtremes.gain(pointwise.data(), Shapes.product(pointwise.shape), filters, 1));
    }

    @Override
    final List<Convolutions.Op> ops(long[] src, long[] dst, long[] padLeft, long[] padRight,
                                   List<kdnn.runtime.Attributes.PostOp> post) {
        int rank = spec().rank();
        long in = src[1];
        long[] mid = dst.clone();
        mid[1] = in * depthMultiplier;
        long[] zeros = new long[rank];
        long[] unitStrides = new long[rank];
        Arrays.fill(unitStrides, 1);
        Variable bias = bias();
        return List.of(
                // depthwise: groups = input channels, no bias or activation
                new Convolutions.Op(false, dims(in, depthMultiplier, 1, spec().kernel()), WeightTags.igo(rank),
                        variables.get(0).data(), null, mid, spec().dnnlStrides(), spec().dnnlDilates(), padLeft, padRight,
                        List.of()),
                new Convolutions.Op(false, dims(filters, mid[1], unit()), WeightTags.io(rank), variables.get(1).data(),
                        bias == null ? null : bias.data(), dst, unitStrides, zeros, zeros, zeros, post));
    }

    /**
     * tf-keras' SeparableConv.get_config(): Conv's keys (its unused kernel_* among them), then the
     * depthwise and pointwise ones.
     */
    @Override
    public final ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("filters", filters);
        putGeometry(c, true);
        c.put("groups", groups);
        putActivation(c);
        putKernelAndBias(c, "kernel", inheritedKernelInitializer, inheritedKernelRegularizer, inheritedKernelConstraint);
        c.put("depth_multiplier", depthMultiplier);
        c.set("depthwise_initializer", depthwiseInitializer.toConfig());
        c.set("pointwise_initializer", pointwiseInitializer.toConfig());
        c.set("depthwise_regularizer", config(depthwiseRegularizer));
        c.set("pointwise_regularizer", config(pointwiseRegularizer));
        c.set("depthwise_constraint", config(depthwiseConstraint));
        c.set("pointwise_constraint", config(pointwiseConstraint));
        return c;
    }
}
