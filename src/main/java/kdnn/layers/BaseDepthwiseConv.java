package kdnn.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Regularizer;
import kdnn.runtime.Convolutions;

/**
 * Keras' depthwise convolution of any rank (DepthwiseConv1D/2D; Keras 3's
 * {@code BaseDepthwiseConv}): depthwise kernel {@code (k..., in, depth_multiplier)}, bias
 * {@code (in * depth_multiplier)}; output channel {@code c*depth_multiplier + m} comes from input
 * channel {@code c}. One grouped oneDNN convolution with a group per input channel, which reads
 * Keras' kernel as it is (logical {G=in, O/G=depth_multiplier, I/G=1, k...}).
 */
public abstract class BaseDepthwiseConv extends BaseConv {
    private final int depthMultiplier;
    private final int groups;
    private final Initializer depthwiseInitializer;
    private final Regularizer depthwiseRegularizer;
    private final Constraint depthwiseConstraint;

    BaseDepthwiseConv(ConvBuilder<?> b) {
        super(b, forwardSpec(b));
        this.depthMultiplier = b.depthMultiplier;
        // tf-keras' DepthwiseConv hands `groups` on to Conv, which keeps and writes it; nothing uses it
        this.groups = b.groups;
        this.depthwiseInitializer = b.kernelInitializer;
        this.depthwiseRegularizer = b.kernelRegularizer;
        this.depthwiseConstraint = b.kernelConstraint;
    }

    /** Keras' {@code depth_multiplier} argument. */
    public final int depthMultiplier() {
        return depthMultiplier;
    }

    @Override
    final long outputChannels(long inputChannels) {
        return inputChannels * depthMultiplier;
    }

    @Override
    final long builtInputChannels() {
        return variables.get(0).shape[spec().rank()];
    }

    @Override
    final long multiplyAdds(long positions, long in, long taps) {
        return positions * in * depthMultiplier * taps;
    }

    @Override
    final void createKernels(int in) {
        variables.add(variable("depthwise_kernel", append(spec().kernel(), in, depthMultiplier), depthwiseInitializer,
                depthwiseRegularizer, depthwiseConstraint));
    }

    @Override
    final double gain() {
        Variable kernel = variables.get(0);
        int rank = spec().rank();
        // flat index i of (k..., in, dm) feeds output channel i % (in * dm)
        return KerasExtremes.gain(kernel.data(), Shapes.product(kernel.shape),
                (long) kernel.shape[rank] * kernel.shape[rank + 1], 1);
    }

    @Override
    final List<Convolutions.Op> ops(long[] src, long[] dst, long[] padLeft, long[] padRight,
                                   List<kdnn.runtime.Attributes.PostOp> post) {
        return List.of(op(false, dims(src[1], depthMultiplier, 1, spec().kernel()), WeightTags.igo(spec().rank()),
                variables.get(0), bias(), dst, padLeft, padRight, post));
    }

    /** tf-keras' DepthwiseConv.get_config(): Conv's less filters and kernel_*, then the depthwise keys. */
    @Override
    public final ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        putGeometry(c, true);
        c.put("groups", groups);
        putActivation(c);
        putBias(c);
        c.put("depth_multiplier", depthMultiplier);
        c.set("depthwise_initializer", depthwiseInitializer.toConfig());
        c.set("depthwise_regularizer", config(depthwiseRegularizer));
        c.set("depthwise_constraint", config(depthwiseConstraint));
        return c;
    }
}
