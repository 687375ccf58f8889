package kdnn.internal;

import java.lang.foreign.MemorySegment;
import java.util.List;
import kdnn.layers.Activation;
import kdnn.layers.DataFormat;
import kdnn.layers.Layer;
import kdnn.runtime.Attributes;

/**
 * What the planner needs of a layer beyond its Keras surface: running it on native memory in a
 * model's layouts, and the facts fusion passes check. Implemented inside {@code kdnn.layers}
 * (so none of it is public API) and installed when {@link Layer} initializes.
 */
public abstract class LayerBridge {
    private static volatile LayerBridge instance;

    /** Called once, by {@link Layer}'s static initializer. */
    public static void install(LayerBridge bridge) {
        if (instance != null) {
            throw new IllegalStateException("layer bridge already installed");
        }
        instance = bridge;
    }

    public static LayerBridge get() {
        if (instance == null) {
            try {
                Class.forName(Layer.class.getName(), true, Layer.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        return instance;
    }

    /**
     * Runs {@code layer} on inputs of these Keras shapes into {@code output}; the caller holds the
     * memory and has been admitted. Returns a bound on |y| (NaN: unknown) from the inputs' bounds.
     */
    public abstract double run(Layer layer, long[][] inputShapes, MemorySegment[] inputs, MemorySegment output,
                               RunVariant variant, double[] inputBounds);

    /**
     * The pipeline that {@link #run} of {@code layer} on inputs of these shapes in {@code variant}
     * runs, and nothing else, outside the KERAS mode, held until the lease is released; null where
     * the call does more (several inputs, a mask, an empty output, Java of the layer's own). A plan
     * binds it once to run many times (see {@code PrimitiveSequence}).
     */
    public abstract LeaseCache.Lease<?, kdnn.runtime.Pipeline> pipelineOfRun(Layer layer, long[][] inputShapes,
                                                                          RunVariant variant);

    /** Enters a call of {@code layer} (no weights change, no close meanwhile): a stamp for {@link #exitCall}; throws if it is closed. */
    public abstract long enterCall(Layer layer);

    /** Leaves a call entered with {@link #enterCall}. */
    public abstract void exitCall(Layer layer, long stamp);

    /**
     * A layer's run with a ZeroPadding's {@code inputPadding} folded in (null: none), channels-last
     * input and output, and, when {@code sumIntoOutput}, the result times {@code summandScale} added
     * to what the output holds, then {@code afterSum} applied (null: nothing); with {@code outputChannelStride} above 0, the
     * (channels-last) output's channels lie that many elements apart (a slice of a Concatenate's buffer);
     * {@code bf16Input} and {@code bf16Output}: that side is stored as bfloat16 (only for layers
     * {@link #storesBf16} accepts).
     */
    public abstract RunVariant variant(int[][] inputPadding, boolean channelsLastInput, boolean channelsLastOutput,
                                       boolean sumIntoOutput, float summandScale, Activation afterSum,
                                       long outputChannelStride,
                                       boolean bf16Input, boolean bf16Output);

    /**
     * True when {@code layer} computes in bfloat16 and can read its input and write its output
     * stored as bfloat16: a bf16 model keeps the values between such layers in bf16 and saves
     * the conversions (see {@code BaseConv.storesBf16(long[])}), on an input of {@code inputShape}.
     */
    public abstract boolean storesBf16(Layer layer, long[] inputShape);

    /** The oneDNN post-ops that compute {@code activation} (empty where it has none). */
    public abstract List<Attributes.Eltwise> postOps(Activation activation);

    /** True when {@code activation} is its oneDNN post-ops alone: no softmax or Java step after them. */
    public abstract boolean onlyPostOps(Activation activation);

    /**
     * True when every oneDNN implementation {@code layer} runs for this input shape and variant is
     * an optimized one (no {@code ref} kernel): a fusion that would push a layer onto a reference
     * kernel is not worth its saved copy.
     */
    public abstract boolean optimized(Layer layer, long[] inputShape, RunVariant variant);

    /** See {@code Layer.mixesSamples()}. */
    public abstract boolean mixesSamples(Layer layer, List<long[]> inputShapes);

    /** See {@code Layer.elementwise()}. */
    public abstract boolean elementwise(Layer layer);

    /** See {@code Layer.identityAtInference()}. */
    public abstract boolean identityAtInference(Layer layer);

    /** See {@code Layer.variantFormat()}. */
    public abstract DataFormat variantFormat(Layer layer);

    /** True for merge layers that may run on channels-last copies of these input shapes. */
    public abstract boolean mergeAcceptsChannelsLast(Layer layer, List<long[]> inputShapes);

    /**
     * A bound on |y| for inputs of at most {@code inputBound} in magnitude, from the layer's
     * weights (NaN: unknown); the KERAS mode's check of a fused residual sum uses it.
     */
    public abstract double outputBound(Layer layer, double inputBound);

    /** The magnitude below which a fused activation's result is Keras' own (see {@code KerasExtremes.LIMIT}). */
    public abstract double extremesLimit();

    /**
     * A layer computing tf.keras' hard swish {@code x * (relu6(x + 3) * (1 / 6))} as one step, the
     * same values as its four layers; {@code name} is the last one's. The caller owns (closes) it.
     */
    public abstract Layer hardSwishOps(String name);

    /**
     * A layer computing tf.keras' hard sigmoid {@code relu6(x + 3) * factor} (then {@code + 0.0}
     * where {@code plusZero}) as one step, the same values as its three layers; {@code name} is the
     * last one's. The caller owns (closes) it.
     */
    public abstract Layer hardSigmoidOps(String name, float factor, boolean plusZero);

    /** See {@code Layer.acceptsSum()}. */
    public abstract boolean acceptsSum(Layer layer);

    /** Whether {@code layer} can take a preceding ZeroPadding's {@code padding} as its own. */
    public abstract boolean acceptsInputPadding(Layer layer, int[][] padding, DataFormat format, long[] paddedShape);

    /** See {@code Layer.weightsVersion()}. */
    public abstract long weightsVersion(Layer layer);

    /**
     * Runs {@code use} on the layer's weights as they lie in its native memory (no copy; valid
     * only inside {@code use}, which runs with the layer's weights held unchanged).
     */
    public abstract <R> R withWeightsInPlace(Layer layer, java.util.function.Function<List<kdnn.layers.Weight>, R> use);

    /** A count bumped after every change of any layer's {@link #weightsVersion}. */
    public abstract long anyWeightsVersion();

    /** The Keras version whose rules the layer follows (that of the file it was read from). */
    public abstract kdnn.layers.KerasVersion rules(Layer layer);

    /** How a call of {@code layer} treats Keras' mask, given which of its inputs carry one. */
    public abstract MaskUse maskUse(Layer layer, boolean[] inputMasked);

    /**
     * The hidden layer taking output {@code index} out of the packed outputs of a layer that
     * returns several; it reads the packed value, then the layer's own inputs.
     */
    public abstract Layer outputPart(Layer layer, int index);

    /** How many of a layer's first outputs carry the mask it passes on. */
    public abstract int outputsCarryingMask(Layer layer);

    /** The hidden layer calling {@code layer} with Keras' mask as its last input. */
    public abstract Layer maskedCall(Layer layer);

    /** The hidden call of a layer reading the masks of the inputs {@code masked} marks, after its inputs. */
    public abstract Layer maskedEachCall(Layer layer, boolean[] masked);

    /** The input shape a call on inputs of these shapes builds {@code layer} for, or null (no weights to make). */
    public abstract long[] buildShape(Layer layer, List<long[]> inputShapes);
}
