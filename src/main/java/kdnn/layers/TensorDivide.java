package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Merges;

/**
 * {@code x / y} of two tensors in float32, rounded once ({@code tf.math.truediv} of two Keras
 * tensors, Keras 3's {@code TrueDivide} operation on two), the shapes broadcast as Keras' merges
 * broadcast them; one oneDNN binary division. Its class name is the operation's, {@code
 * TrueDivide}, as for a constant divisor ({@link TrueDivide}): the config tells them apart (this
 * one has no {@code y}). Keras has no layer for it: a file keeps the operation's form.
 */
public final class TensorDivide extends ElementwiseMerge implements KerasOperation {
    private TensorDivide(String name, boolean trainable) {
        super(name, trainable, Merges.Op.DIVIDE);
    }

    /** A new layer dividing its first input by its second; a null name gets an automatic one. */
    public static TensorDivide of(String name) {
        return new TensorDivide(name == null ? LayerNames.next("true_divide") : name, true);
    }

    /** From kdnn's config form (the operation's name only). */
    public static TensorDivide fromConfig(JsonNode config) {
        return fromConfig(TrueDivide.CLASS_NAME, config, TensorDivide::new);
    }

    @Override
    long[] mergedShape(java.util.List<long[]> shapes) {
        return mergedShapeOfTwo(shapes, "TrueDivide of tensors takes exactly 2 inputs (x / y).");
    }

    @Override
    public String tfFunction() {
        return "math.truediv";
    }

    /** An operation ({@code tf.math.truediv}, {@code ops.divide}), not a Keras layer: masks stop here. */
    @Override
    kdnn.internal.MaskUse maskUse(boolean[] inputMasked) {
        return kdnn.internal.MaskUse.DROPS;
    }

    @Override
    public String className() {
        return TrueDivide.CLASS_NAME;
    }
}
