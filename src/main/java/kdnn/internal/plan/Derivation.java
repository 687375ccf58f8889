package kdnn.internal.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import kdnn.internal.LayerBridge;
import kdnn.layers.Activation;
import kdnn.layers.BaseConv;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.layers.Weight;

/**
 * A layer the plan made from a model's own: a convolution or Dense with a following
 * BatchNormalization or LayerScale (a factor per channel) folded into its kernel and bias, and/or
 * a following activation layer as its activation. Owned by the plan. When the original layers' weights or precision change, the
 * derived layer is brought up to date before the next prediction.
 */
final class Derivation implements AutoCloseable {
    /** Layers whose kernel's last axis (or, for depthwise kernels, last two) is the output channel. */
    static final Set<String> FOLDABLE = Set.of("Conv1D", "Conv2D", "Conv3D", "Dense", "SeparableConv1D",
            "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D", "Conv1DTranspose", "Conv2DTranspose",
            "Conv3DTranspose");

    private final Layer source;
    private final Layer batchNorm;
    private final Activation activation;
    private final long[] inputShape;
    private final Layer derived;
    private volatile long sourceVersion;
    private volatile long batchNormVersion;

    private Derivation(Layer source, Layer batchNorm, Activation activation, long[] inputShape) {
        this.source = source;
        this.batchNorm = batchNorm;
        this.activation = activation;
        this.inputShape = inputShape.clone();
        ObjectNode layer = Layers.toConfig(source);
        ObjectNode config = (ObjectNode) layer.get("config");
        config.remove("batch_input_shape");
        if (batchNorm != null) config.put("use_bias", true);
        if (activation != null) config.put("activation", activation.kerasName());
        this.derived = built(Layers.fromConfig(layer, LayerBridge.get().rules(source)), inputShape);
        // weights come with the first refresh (the plan's, before its layout): a derivation a
        // later pass replaces (a BatchNormalization folded, then the activation) never copies any
        this.sourceVersion = -1;
    }

    /** A weightless layer the planner made itself, built for {@code inputShape}: owned by the plan, never refreshed. */
    private Derivation(Layer made, long[] inputShape) {
        this.source = made;
        this.batchNorm = null;
        this.activation = null;
        this.inputShape = inputShape.clone();
        this.derived = built(made, inputShape);
        this.sourceVersion = LayerBridge.get().weightsVersion(made);
    }

    /** {@code layer} built for {@code inputShape}; closed where that fails. */
    private static Layer built(Layer layer, long[] inputShape) {
        try {
            layer.build(inputShape);
            return layer;
        } catch (RuntimeException | Error e) {
            layer.close();
            throw e;
        }
    }

    /** {@code made}, a weightless layer of the planner's own, owned (closed) by the plan from here on. */
    static Derivation made(Layer made, long[] inputShape) {
        return new Derivation(made, inputShape);
    }

    /** {@code source} followed by {@code batchNorm} (or null) and {@code activation} (or null), as one layer. */
    static Derivation of(Layer source, Layer batchNorm, Activation activation, long[] inputShape) {
        return new Derivation(source, batchNorm, activation, inputShape);
    }

    /** A further activation on what an earlier derivation made. */
    Derivation withActivation(Activation a) {
        return new Derivation(source, batchNorm, a, inputShape);
    }

    Layer source() {
        return source;
    }

    Layer batchNorm() {
        return batchNorm;
    }

    Layer layer() {
        return derived;
    }

    /** The source's activation after this derivation (what a further fusion must find linear). */
    Activation activation() {
        return activation != null ? activation : currentActivation(source);
    }

    static Activation currentActivation(Layer layer) {
        JsonNode a = layer.getConfig().path("activation");
        try {
            return Activation.parse(a.isTextual() ? a.asText() : null);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** True when the originals changed since the derived layer was last refreshed (or it never was). */
    boolean stale() {
        LayerBridge b = LayerBridge.get();
        return b.weightsVersion(source) != sourceVersion
                || batchNorm != null && b.weightsVersion(batchNorm) != batchNormVersion;
    }

    /**
     * Makes the derived layer's weights (and precision) those of the originals again: copied from
     * the source's native memory into the derived layer's, the kernel scaled on the way where a
     * BatchNormalization folds (no Java arrays of the weights).
     */
    synchronized void refresh() {
        LayerBridge b = LayerBridge.get();
        long sv = b.weightsVersion(source);
        long bv = batchNorm == null ? 0 : b.weightsVersion(batchNorm);
        float[][] scaleAndShift = batchNorm == null ? null : scaleAndShift(batchNorm);
        b.withWeightsInPlace(source, weights -> {
            if (scaleAndShift == null) {
                derived.setWeights(weights);
                return null;
            }
            try (Arena scratch = Arena.ofConfined()) {
                derived.setWeights(fold(weights, scaleAndShift[0], scaleAndShift[1], scratch));
            }
            return null;
        });
        if (source instanceof BaseConv c && derived instanceof BaseConv d && c.precision() != d.precision()) {
            d.setPrecision(c.precision());
        }
        sourceVersion = sv;
        batchNormVersion = bv;
    }

    /**
     * The kernel scaled and the bias shifted per output channel: with
     * {@code s = gamma / sqrt(variance + epsilon)}, {@code w' = w * s} and
     * {@code b' = (b - mean) * s + beta}. The scaled kernel is written into {@code scratch}.
     */
    private List<Weight> fold(List<Weight> weights, float[] scale, float[] shift, Arena scratch) {
        String cls = source.className();
        List<Weight> out = new ArrayList<>();
        Weight bias = null;
        for (Weight w : weights) {
            if (w.name().equals("bias")) {
                bias = w;
            }
        }
        int channels = scale.length;
        // which weight holds the output channel, and how a flat position maps to it
        String scaled = cls.startsWith("Separable") ? "pointwise_kernel" : cls.startsWith("Depthwise") ? "depthwise_kernel"
                : "kernel";
        for (Weight w : weights) {
            if (w.name().equals("bias")) continue;
            if (!w.name().equals(scaled)) {
                out.add(w);
                continue;
            }
            int[] shape = w.shape();
            // position i holds channel (i / run) % channels: runs of equal channel, channels cycling
            int run = cls.endsWith("Transpose") ? shape[shape.length - 1] : 1;
            out.add(Weight.of(w.name(), shape, scaled(w, scale, run, scratch)));
        }
        float[] b = new float[channels];
        for (int c = 0; c < channels; c++) {
            double given = bias == null ? 0 : bias.values()[c];
            b[c] = (float) (given * scale[c] + shift[c]);
        }
        out.add(new Weight("bias", new int[] {channels}, b));
        return out;
    }

    /**
     * {@code w} times the scale of each value's output channel, as little-endian floats in
     * {@code scratch}: scaled in a Java array between two bulk copies (a loop over a segment runs
     * far slower until the JIT compiles it, and a plan runs each fold once).
     */
    private static MemorySegment scaled(Weight w, float[] scale, int run, Arena scratch) {
        MemorySegment bytes = w.bytes();
        float[] v = bytes != null ? bytes.toArray(LITTLE_ENDIAN) : w.values().clone();
        int channels = scale.length;
        // float products: a float times a float is exact in double, so rounding once to float is the same
        if (run == 1) { // the output channel is the last axis (kept apart: the JIT vectorizes it)
            for (int block = 0; block < v.length; block += channels) {
                for (int c = 0; c < channels; c++) v[block + c] *= scale[c];
            }
        } else {
            for (int block = 0; block < v.length; block += run * channels) {
                for (int c = 0, i = block; c < channels; c++) {
                    float s = scale[c];
                    for (int end = i + run; i < end; i++) v[i] *= s;
                }
            }
        }
        MemorySegment out = scratch.allocate((long) v.length * Float.BYTES, 64);
        MemorySegment.copy(v, 0, out, LITTLE_ENDIAN, 0, v.length);
        return out;
    }

    private static final ValueLayout.OfFloat LITTLE_ENDIAN =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Per output channel, the factor and the shift the folded layer applies after the source. */
    private float[][] scaleAndShift(Layer scaling) {
        if (scaling instanceof kdnn.layers.BatchNormalization bn) return bn.scaleAndShift(inputRankOfBatchNorm());
        float[] gamma = scaling.getWeights().get(0).values(); // LayerScale: x * gamma
        return new float[][] {gamma, new float[gamma.length]};
    }

    private int inputRankOfBatchNorm() {
        return source.computeOutputShape(inputShape).length;
    }

    @Override
    public void close() {
        derived.close();
    }

    /** A BatchNormalization config's {@code axis} (an int, negative allowed, or [3] as tf.keras writes it) for this rank. */
    static int batchNormAxis(JsonNode axis, int rank) {
        JsonNode a = axis == null || axis.isNull() ? null : axis.isArray() ? axis.get(0) : axis;
        int v = a == null ? -1 : a.asInt();
        return v < 0 ? v + rank : v;
    }
}
