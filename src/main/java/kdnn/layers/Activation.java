package kdnn.layers;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Supplier;
import kdnn.runtime.Attributes.Eltwise;
import kdnn.runtime.Convolutions;
import kdnn.runtime.Pipeline;

/**
 * Keras' activations and how oneDNN runs each: most fuse into the convolution as element-wise
 * post-ops; softmax and log_softmax are a separate primitive over the last axis of the returned
 * layout; those with no oneDNN form (softsign, Keras 3's shrinks, sparse_plus, squareplus) run
 * as a Java loop over the output.
 */
public enum Activation {
    /** Keras' {@code linear}: the identity. */
    LINEAR("linear", () -> List.of()),
    // oneDNN's relu is max(x, 0) in vector form, which gives 0 for NaN; Keras gives NaN
    /** Keras' {@code relu}: max(x, 0). */
    RELU("relu", () -> List.of(new Eltwise(dnnl_eltwise_relu(), 0f, 0f)), v -> Math.max(v, 0)),
    /** Keras' {@code relu6}: min(max(x, 0), 6). */
    RELU6("relu6", () -> List.of(new Eltwise(dnnl_eltwise_clip_v2(), 0f, 6f)), v -> Math.min(Math.max(v, 0), 6)),
    /** Keras' {@code elu} with alpha 1. */
    ELU("elu", () -> List.of(new Eltwise(dnnl_eltwise_elu(), 1f, 0f))),
    // selu = scale * elu(x, alpha): two post-ops
    /** Keras' {@code selu}: scale * elu(x, alpha) with Keras' constants. */
    SELU("selu", () -> List.of(new Eltwise(dnnl_eltwise_elu(), 1.6732632423543772f, 0f),
            new Eltwise(dnnl_eltwise_linear(), 1.0507009873554805f, 0f))),
    /** Keras' {@code softplus}: log(1 + exp(x)). */
    SOFTPLUS("softplus", () -> List.of(new Eltwise(dnnl_eltwise_soft_relu(), 1f, 0f))),
    /** Keras' {@code softsign}: x / (1 + |x|). */
    SOFTSIGN("softsign", x -> x / (1f + Math.abs(x))),
    /** Keras' {@code tanh}. */
    TANH("tanh", () -> List.of(new Eltwise(dnnl_eltwise_tanh(), 0f, 0f))),
    // its post-op keeps NaN except on the gemm-based convolution, where BaseConv runs it in Java instead
    /** Keras' {@code sigmoid}: 1 / (1 + exp(-x)). */
    SIGMOID("sigmoid", () -> List.of(new Eltwise(dnnl_eltwise_logistic(), 0f, 0f))),
    // Keras 2: clip(0.2 x + 0.5, 0, 1)
    /** Keras 2's {@code hard_sigmoid}: clip(0.2 x + 0.5, 0, 1). */
    HARD_SIGMOID("hard_sigmoid", () -> List.of(new Eltwise(dnnl_eltwise_hardsigmoid(), 0.2f, 0.5f)),
            v -> Math.min(Math.max(0.2 * v + 0.5, 0), 1)),
    // Keras 3: relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1); what "hard_sigmoid" means in a Keras 3 file
    /** Keras 3's {@code hard_sigmoid}: clip(x / 6 + 0.5, 0, 1), what the name means in a Keras 3 file. */
    HARD_SIGMOID_KERAS3("hard_sigmoid", () -> List.of(new Eltwise(dnnl_eltwise_hardsigmoid(), 1f / 6, 0.5f)),
            v -> Math.min(Math.max(v / 6 + 0.5, 0), 1)),
    // oneDNN clamps the argument first, so exp(NaN) = Inf
    /** Keras' {@code exponential}: exp(x). */
    EXPONENTIAL("exponential", () -> List.of(new Eltwise(dnnl_eltwise_exp(), 0f, 0f)), Math::exp),
    /** Keras' {@code swish}: x * sigmoid(x). */
    SWISH("swish", () -> List.of(new Eltwise(dnnl_eltwise_swish(), 1f, 0f))),
    /** Keras' {@code silu}, the same function as swish. */
    SILU("silu", () -> List.of(new Eltwise(dnnl_eltwise_swish(), 1f, 0f))),
    // Keras' default gelu is the exact (erf) form; oneDNN's overflows to NaN from about 1.7e38 up.
    // Where the guard applies it, |x| > 2^100, erf(x / sqrt 2) is sign(x) in any precision.
    /** Keras' {@code gelu}, the exact (erf) form Keras uses by default. */
    GELU("gelu", () -> List.of(new Eltwise(dnnl_eltwise_gelu_erf(), 0f, 0f)), v -> 0.5 * v * (1 + Math.signum(v))),
    // Keras 3: x * relu6(x + 3) / 6 (MobileNetV3's); oneDNN's hardswish is x * clip(x / 6 + 0.5, 0, 1)
    /** Keras 3's {@code hard_silu}: x * relu6(x + 3) / 6. */
    HARD_SILU("hard_silu", () -> List.of(new Eltwise(dnnl_eltwise_hardswish(), 1f / 6, 0.5f))),
    /** Keras 3's {@code hard_swish}, the same function as hard_silu. */
    HARD_SWISH("hard_swish", () -> List.of(new Eltwise(dnnl_eltwise_hardswish(), 1f / 6, 0.5f))),
    /** Keras' {@code mish}: x * tanh(softplus(x)). */
    MISH("mish", () -> List.of(new Eltwise(dnnl_eltwise_mish(), 0f, 0f))),
    // tf.nn.leaky_relu(x, 0.2): x > 0 ? x : 0.2 x
    /** Keras' {@code leaky_relu} activation function: x for x &gt; 0, else 0.2 x. */
    LEAKY_RELU("leaky_relu", () -> List.of(new Eltwise(dnnl_eltwise_relu(), 0.2f, 0f))),
    /** Keras' {@code softmax} over the last axis. */
    SOFTMAX("softmax", () -> List.of()),
    /** Keras' {@code log_softmax} over the last axis. */
    LOG_SOFTMAX("log_softmax", () -> List.of()),
    // Keras 3's newer activations (keras.activations since 3.6), each with the arguments a name gives
    /** Keras 3's {@code celu} with alpha 1: max(x, 0) + expm1(min(x, 0)), which is elu's function. */
    CELU("celu", () -> List.of(new Eltwise(dnnl_eltwise_elu(), 1f, 0f))),
    // oneDNN's clip maps NaN to its upper bound; tf.clip_by_value keeps it
    /** Keras 3's {@code hard_tanh}: clip(x, -1, 1). */
    HARD_TANH("hard_tanh", () -> List.of(new Eltwise(dnnl_eltwise_clip_v2(), -1f, 1f)), v -> Math.min(Math.max(v, -1), 1)),
    // 0 up to -1, (x + 1) / 2, 1 from 1 on: clip(x / 2 + 1 / 2, 0, 1), which clamps NaN in oneDNN
    /** Keras 3's {@code sparse_sigmoid}: 0 for x &lt;= -1, 1 for x &gt;= 1, else (x + 1) / 2. */
    SPARSE_SIGMOID("sparse_sigmoid", () -> List.of(new Eltwise(dnnl_eltwise_hardsigmoid(), 0.5f, 0.5f)),
            v -> v <= -1 ? 0 : v >= 1 ? 1 : 0.5 * (v + 1)),
    // -softplus(-x): oneDNN's soft_relu with alpha -1, log(1 + exp(-x)) / -1
    /** Keras 3's {@code log_sigmoid}: log(sigmoid(x)) = -softplus(-x). */
    LOG_SIGMOID("log_sigmoid", () -> List.of(new Eltwise(dnnl_eltwise_soft_relu(), -1f, 0f))),
    /** Keras 3's {@code tanh_shrink}: x - tanh(x). */
    TANH_SHRINK("tanh_shrink", x -> (float) (x - Math.tanh(x))),
    // tf.where of comparisons: NaN compares false both ways and gives 0
    /** Keras 3's {@code soft_shrink} with threshold 0.5: x - 0.5 above it, x + 0.5 below -0.5, else 0. */
    SOFT_SHRINK("soft_shrink", x -> x > 0.5f ? x - 0.5f : x < -0.5f ? x + 0.5f : 0f),
    /** Keras 3's {@code hard_shrink} with threshold 0.5: x where |x| &gt; 0.5, else 0. */
    HARD_SHRINK("hard_shrink", x -> Math.abs(x) > 0.5f ? x : 0f),
    /** Keras 3's {@code sparse_plus}: 0 for x &lt;= -1, (x + 1)^2 / 4 below 1, else x. */
    SPARSE_PLUS("sparse_plus", x -> x <= -1 ? 0f : x < 1 ? 0.25f * ((x + 1) * (x + 1)) : x),
    // in float32 as TensorFlow computes it: x * x overflows from about 1.8e19, as Keras' own does
    /** Keras 3's {@code squareplus} with b 4: (x + sqrt(x^2 + 4)) / 2. */
    SQUAREPLUS("squareplus", x -> (x + (float) Math.sqrt(x * x + 4f)) / 2),
    /** Keras 3's {@code sparsemax} over the last axis, by Keras' own formula ({@link #sparsemax}). */
    SPARSEMAX("sparsemax", Activation::sparsemax);

    /** An activation oneDNN has no form of: Keras' function of one float32 value, run in Java over the output. */
    @FunctionalInterface
    interface JavaForm {
        float apply(float x);
    }

    /**
     * A function of whole vectors along Keras' last axis, run in Java: {@code length} values
     * {@code stride} apart, with two scratch arrays of that length.
     */
    @FunctionalInterface
    interface VectorForm {
        void apply(MemorySegment data, long start, int length, long stride, float[] values, float[] scratch);
    }

    private final String keras;
    private final Supplier<List<Eltwise>> postOps;
    private final DoubleUnaryOperator atExtremes;
    private final JavaForm javaForm;
    private final VectorForm vectorForm;

    Activation(String keras, Supplier<List<Eltwise>> postOps) {
        this(keras, postOps, null);
    }

    Activation(String keras, Supplier<List<Eltwise>> postOps, DoubleUnaryOperator atExtremes) {
        this(keras, postOps, atExtremes, null, null);
    }

    Activation(String keras, JavaForm javaForm) {
        this(keras, () -> List.of(), null, javaForm, null);
    }

    Activation(String keras, VectorForm vectorForm) {
        this(keras, () -> List.of(), null, null, vectorForm);
    }

    Activation(String keras, Supplier<List<Eltwise>> postOps, DoubleUnaryOperator atExtremes, JavaForm javaForm,
               VectorForm vectorForm) {
        this.keras = keras;
        this.postOps = postOps;
        this.atExtremes = atExtremes;
        this.javaForm = javaForm;
        this.vectorForm = vectorForm;
    }

    /**
     * True when the oneDNN form gives Keras' value for every input: NaN, the infinities and
     * values of any size too (checked for each activation by {@code ExtremeValuesTest}).
     * Relu, relu6, hard_sigmoid, exponential, gelu, hard_tanh, sparse_sigmoid, softmax and log_softmax
     * do not; {@link KerasExtremes} restores Keras' values for them.
     */
    boolean fusedKeepsExtremes() {
        return atExtremes == null && !isSoftmax();
    }

    /**
     * True when the post-ops are the whole function: nothing runs after them (softmax, log_softmax
     * and softsign do), so a sum or a strided destination may follow them in the same primitive.
     */
    boolean onlyPostOps() {
        return !isSoftmax() && javaForm == null && vectorForm == null;
    }

    /**
     * What runs on the output after the post-ops: softmax over {@code softmaxAxis} (oneDNN's
     * logical axis of Keras' last one), the Java form, or nothing.
     */
    Convolutions.Tail tail(int softmaxAxis, long lastLength, long lastStride) {
        if (isSoftmax()) return new Convolutions.Tail(softmaxAxis, this == LOG_SOFTMAX, null);
        Pipeline.SlotOperation step = javaStep(lastLength, lastStride);
        return step == null ? Convolutions.Tail.NONE : new Convolutions.Tail(-1, false, step);
    }

    /**
     * The Java form over a whole float32 buffer, in place, whose Keras last axis holds
     * {@code lastLength} values {@code lastStride} apart (null where the activation has none).
     */
    Pipeline.SlotOperation javaStep(long lastLength, long lastStride) {
        JavaForm f = javaForm;
        if (f != null) return data -> apply(f, data);
        VectorForm v = vectorForm;
        if (v == null) return null;
        int length = Math.toIntExact(lastLength);
        return data -> {
            float[] values = new float[length];
            float[] scratch = new float[length];
            long n = data.byteSize() / Float.BYTES;
            for (long start = 0; start < n; start++) {
                if ((start / lastStride) % length == 0) v.apply(data, start, length, lastStride, values, scratch);
            }
        };
    }

    /**
     * Whether the activation maps whole vectors along Keras' last axis (softmax, log_softmax,
     * sparsemax), not each value on its own.
     */
    boolean isVector() {
        return isSoftmax() || vectorForm != null;
    }

    /** Softmax and log-softmax: not element-wise, they normalize vectors along Keras' last axis. */
    boolean isSoftmax() {
        return this == SOFTMAX || this == LOG_SOFTMAX;
    }

    /**
     * A bound on |activation(x)| for |x| at most {@code pre}. An unknown (NaN) or infinite
     * {@code pre} stays as it is: the input may then hold NaN, which every activation passes on.
     */
    double bound(double pre) {
        if (!(pre < Double.POSITIVE_INFINITY)) {
            return pre;
        }
        return switch (this) {
            // |x sigmoid(x)|, |x Phi(x)|, |x tanh(softplus(x))| and |x relu6(x + 3) / 6| are at most |x|
            case LINEAR, RELU, SWISH, SILU, HARD_SILU, HARD_SWISH, GELU, MISH, LEAKY_RELU -> pre;
            case RELU6 -> Math.min(pre, 6);
            case ELU -> Math.max(pre, 1);
            case SELU -> 1.0507009873554805 * Math.max(pre, 1.6732632423543772);
            case SOFTPLUS -> pre + Math.log(2); // softplus(x) <= max(x, 0) + ln 2
            case SOFTSIGN, TANH, SIGMOID, HARD_SIGMOID, HARD_SIGMOID_KERAS3, SOFTMAX, SPARSE_SIGMOID -> 1;
            // Keras' tau sums the support's cumulative sums: it grows with the vector's length, not known here
            case SPARSEMAX -> Double.POSITIVE_INFINITY;
            case HARD_TANH -> Math.min(pre, 1);
            case CELU -> Math.max(pre, 1);
            // |x - tanh(x)|, the shrinks: at most |x|; sparse_plus at most max(|x|, 1)
            case TANH_SHRINK, SOFT_SHRINK, HARD_SHRINK -> pre;
            case SPARSE_PLUS -> Math.max(pre, 1);
            case LOG_SIGMOID -> pre + Math.log(2); // softplus(-x) <= max(-x, 0) + ln 2
            case SQUAREPLUS -> pre + 1; // (|x| + sqrt(x^2 + 4)) / 2 <= |x| + 1
            case EXPONENTIAL -> Math.exp(pre);
            // x - max - log(sum exp(x - max)), the sum between 1 and at most 2^63 terms
            case LOG_SOFTMAX -> 2 * pre + 44;
        };
    }

    /**
     * Keras' value for an element-wise activation of {@code v} when {@code v} is NaN, infinite
     * or larger in magnitude than {@link KerasExtremes#LIMIT} (only there: gelu's form is exact
     * only for such values).
     */
    double atExtreme(double v) {
        return atExtremes.applyAsDouble(v);
    }

    /** Keras' name of the activation, e.g. {@code "relu"}. */
    public String kerasName() {
        return keras;
    }

    /** The fused post-ops (empty for linear, softmax, log_softmax and softsign). */
    List<Eltwise> postOps() {
        return postOps.get();
    }

    /** Keras' name; null means linear, as in Keras. */
    public static Activation parse(String name) {
        if (name == null) {
            return LINEAR;
        }
        String n = name.toLowerCase(Locale.ROOT);
        if (n.equals("hard_sigmoid") && Layers.readingVersion() == KerasVersion.KERAS_3) {
            return HARD_SIGMOID_KERAS3;
        }
        for (Activation a : values()) {
            if (a.keras.equals(n)) {
                return a;
            }
        }
        // Keras 3 knows these names but a layer cannot run them by name
        if (n.equals("threshold")) {
            throw new IllegalArgumentException("Activation 'threshold' needs the arguments threshold and default_value,"
                    + " which an activation given by name cannot pass (Keras fails when the layer is called)");
        }
        if (n.equals("glu")) {
            throw new IllegalArgumentException("Activation 'glu' halves the last axis, which a layer's output shape does"
                    + " not account for (Keras keeps it there): apply keras.ops.glu to the layer's output instead");
        }
        throw new IllegalArgumentException("Unknown activation function: '" + name + "'. Expected one of "
                + Arrays.stream(values()).map(Activation::kerasName).distinct().toList());
    }

    /**
     * Keras 3's sparsemax of one vector, in float32 as its backends compute it: sorted
     * descending (NaN last, as NumPy and JAX sort), cumulative sums c_r, the support
     * {@code z_r - (c_r - 1) / r > 0} of size k, then tau = (the sum of c_r over the support - 1) / k
     * and max(z - tau, 0). That tau is Keras' own (its TensorFlow, JAX and NumPy backends alike);
     * Martins and Astudillo's is (c_k - 1) / k, the same only where the support is one value.
     */
    static void sparsemax(MemorySegment data, long start, int length, long stride, float[] z, float[] sorted) {
        for (int i = 0; i < length; i++) z[i] = data.getAtIndex(ValueLayout.JAVA_FLOAT, start + i * stride);
        System.arraycopy(z, 0, sorted, 0, length);
        Arrays.sort(sorted); // ascending, NaN last
        int numbers = length;
        while (numbers > 0 && Float.isNaN(sorted[numbers - 1])) numbers--;
        for (int i = 0, j = numbers - 1; i < j; i++, j--) {
            float t = sorted[i];
            sorted[i] = sorted[j];
            sorted[j] = t;
        }
        float cumulative = 0;
        float supportSum = 0;
        int k = 0;
        for (int r = 1; r <= length; r++) {
            cumulative += sorted[r - 1];
            if (sorted[r - 1] - (cumulative - 1f) / r > 0) {
                supportSum += cumulative;
                k++;
            }
        }
        float tau = (supportSum - 1f) / k;
        for (int i = 0; i < length; i++) {
            data.setAtIndex(ValueLayout.JAVA_FLOAT, start + i * stride, Math.max(z[i] - tau, 0f));
        }
    }

    /** Keras' sigmoid over a float32 buffer in Java (NaN stays NaN), for kernels whose fused form departs. */
    static Pipeline.SlotOperation sigmoidInJava() {
        return data -> apply(x -> (float) (1 / (1 + Math.exp(-(double) x))), data);
    }

    private static void apply(JavaForm f, MemorySegment data) {
        // element by element: in parts over the OpenMP team where the buffer is large
        kdnn.runtime.Eltwises.inParts(data, part -> {
            long n = part.byteSize() / Float.BYTES;
            for (long i = 0; i < n; i++) {
                part.setAtIndex(ValueLayout.JAVA_FLOAT, i, f.apply(part.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
            }
        });
    }
}
