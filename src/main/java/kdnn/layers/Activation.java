package kdnn.layers;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import kdnn.runtime.Attributes.Eltwise;

/**
 * Keras' activations and how oneDNN runs each: most fuse into the convolution as element-wise
 * post-ops; softmax is a separate primitive over the last axis of the returned layout; softsign
 * has no oneDNN form and runs as a Java loop over the output.
 */
public enum Activation {
    LINEAR("linear", List::of),
    RELU("relu", () -> List.of(new Eltwise(dnnl_eltwise_relu(), 0f, 0f))),
    RELU6("relu6", () -> List.of(new Eltwise(dnnl_eltwise_clip_v2(), 0f, 6f))),
    ELU("elu", () -> List.of(new Eltwise(dnnl_eltwise_elu(), 1f, 0f))),
    // selu = scale * elu(x, alpha): two post-ops
    SELU("selu", () -> List.of(new Eltwise(dnnl_eltwise_elu(), 1.6732632423543772f, 0f),
            new Eltwise(dnnl_eltwise_linear(), 1.0507009873554805f, 0f))),
    SOFTPLUS("softplus", () -> List.of(new Eltwise(dnnl_eltwise_soft_relu(), 1f, 0f))),
    SOFTSIGN("softsign", List::of),
    TANH("tanh", () -> List.of(new Eltwise(dnnl_eltwise_tanh(), 0f, 0f))),
    SIGMOID("sigmoid", () -> List.of(new Eltwise(dnnl_eltwise_logistic(), 0f, 0f))),
    // Keras 2: clip(0.2 x + 0.5, 0, 1)
    HARD_SIGMOID("hard_sigmoid", () -> List.of(new Eltwise(dnnl_eltwise_hardsigmoid(), 0.2f, 0.5f))),
    EXPONENTIAL("exponential", () -> List.of(new Eltwise(dnnl_eltwise_exp(), 0f, 0f))),
    SWISH("swish", () -> List.of(new Eltwise(dnnl_eltwise_swish(), 1f, 0f))),
    SILU("silu", () -> List.of(new Eltwise(dnnl_eltwise_swish(), 1f, 0f))),
    // Keras' default gelu is the exact (erf) form
    GELU("gelu", () -> List.of(new Eltwise(dnnl_eltwise_gelu_erf(), 0f, 0f))),
    MISH("mish", () -> List.of(new Eltwise(dnnl_eltwise_mish(), 0f, 0f))),
    SOFTMAX("softmax", List::of);

    private final String keras;
    private final Supplier<List<Eltwise>> postOps;

    Activation(String keras, Supplier<List<Eltwise>> postOps) {
        this.keras = keras;
        this.postOps = postOps;
    }

    public String kerasName() {
        return keras;
    }

    /** The fused post-ops (empty for linear, softmax and softsign). */
    public List<Eltwise> postOps() {
        return postOps.get();
    }

    /** Keras' name; null means linear, as in Keras. */
    public static Activation parse(String name) {
        if (name == null) {
            return LINEAR;
        }
        String n = name.toLowerCase(Locale.ROOT);
        for (Activation a : values()) {
            if (a.keras.equals(n)) {
                return a;
            }
        }
        throw new IllegalArgumentException("Unknown activation function: '" + name + "'. Expected one of "
                + Arrays.stream(values()).map(Activation::kerasName).toList());
    }

    /** softsign(x) = x / (1 + |x|), in place over a float32 buffer. */
    static void softsign(MemorySegment data) {
        long n = data.byteSize() / Float.BYTES;
        for (long i = 0; i < n; i++) {
            float x = data.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            data.setAtIndex(ValueLayout.JAVA_FLOAT, i, x / (1f + Math.abs(x)));
        }
    }
}
