package kdnn.layers;

import java.util.Arrays;

/**
 * How a model runs a layer, beyond what Keras says: a ZeroPadding before it folded into its own
 * padding, and tensors on either side kept in channels-last order whatever the layer's
 * data_format (oneDNN's fast layout; a model converts only at its input and output).
 *
 * @param inputPadding (before, after) per spatial axis, or null
 * @param preActivation true for the layer without its activation (see {@link KerasExtremes})
 * @param bf16Input the input is stored as bfloat16 (a bf16 model's value between two convolutions)
 * @param bf16Output the output is stored as bfloat16
 * @param summandScale with {@code sumIntoOutput}, the factor of the layer's result before the sum
 *                     (1: Keras' Add; InceptionResNetV2's CustomScaleLayer scales it)
 */
record Variant(int[][] inputPadding, boolean channelsLastInput, boolean channelsLastOutput,
               boolean preActivation, boolean sumIntoOutput, Activation afterSum, long outputChannelStride,
               boolean bf16Input, boolean bf16Output, float summandScale)
        implements kdnn.internal.RunVariant {
    /** As Keras runs the layer alone. */
    public static final Variant PLAIN = new Variant(null, false, false, false, false, null, 0, false, false, 1f);

    public Variant(int[][] inputPadding, boolean channelsLastInput, boolean channelsLastOutput) {
        this(inputPadding, channelsLastInput, channelsLastOutput, false, false, null, 0, false, false, 1f);
    }

    public Variant(int[][] inputPadding, boolean channelsLastInput, boolean channelsLastOutput, boolean preActivation) {
        this(inputPadding, channelsLastInput, channelsLastOutput, preActivation, false, null, 0, false, false, 1f);
    }

    /**
     * The same, writing a channels-last output whose channels lie {@code stride} elements apart:
     * this layer's slice of a Concatenate's buffer (the plan points the output at its first channel).
     */
    Variant writingChannelsOf(long stride) {
        return new Variant(inputPadding, channelsLastInput, channelsLastOutput, preActivation, sumIntoOutput, afterSum,
                stride, bf16Input, bf16Output, summandScale);
    }

    /** The same, with the input and output stored as bfloat16 where these say so. */
    Variant storingBf16(boolean input, boolean output) {
        return new Variant(inputPadding, channelsLastInput, channelsLastOutput, preActivation, sumIntoOutput, afterSum,
                outputChannelStride, input, output, summandScale);
    }

    /** Bytes of one stored output value. */
    long outputElementBytes() {
        return bf16Output ? 2 : Float.BYTES;
    }

    /**
     * The same, adding the result to what the output already holds (a residual Add fused into
     * the layer, see {@code sumIntoOutput}) after multiplying it by {@code scale}, then applying
     * {@code after} (null: nothing).
     */
    public Variant summingInto(Activation after, float scale) {
        return new Variant(inputPadding, channelsLastInput, channelsLastOutput, preActivation, true, after,
                outputChannelStride, bf16Input, bf16Output, scale);
    }

    /** The same, with {@code after} applied to the layer's own result (no sum): a normalization's fused ReLU. */
    Variant followedBy(Activation after) {
        return new Variant(inputPadding, channelsLastInput, channelsLastOutput, preActivation, false, after,
                outputChannelStride, bf16Input, bf16Output, summandScale);
    }

    public boolean isPlain() {
        return inputPadding == null && !channelsLastInput && !channelsLastOutput && !preActivation && !sumIntoOutput
                && afterSum == null && outputChannelStride == 0 && !bf16Input && !bf16Output;
    }

    /** Whether a layer of this data_format reads its input in channels-last order. */
    boolean inputChannelsLast(DataFormat format) {
        return format == DataFormat.CHANNELS_LAST || channelsLastInput;
    }

    /** Whether a layer of this data_format writes its output in channels-last order. */
    boolean outputChannelsLast(DataFormat format) {
        return format == DataFormat.CHANNELS_LAST || channelsLastOutput;
    }

    /** The same, stopping before the activation. */
    Variant withoutActivation() {
        return new Variant(inputPadding, channelsLastInput, channelsLastOutput, true, sumIntoOutput, afterSum,
                outputChannelStride, bf16Input, bf16Output, summandScale);
    }

    /** The marker and the nine flags before the padding in a key. */
    private static final int FLAGS = 10;

    /** A pipeline-cache key: the input shape, then a -1 marker and this variant (plain: the shape alone). */
    long[] key(long[] shape) {
        if (isPlain()) {
            return shape;
        }
        int axes = inputPadding == null ? 0 : inputPadding.length;
        long[] key = Arrays.copyOf(shape, shape.length + FLAGS + 2 * axes);
        key[shape.length] = -1; // shapes have no negative dims, so the marker is unambiguous
        key[shape.length + 1] = channelsLastInput ? 1 : 0;
        key[shape.length + 2] = channelsLastOutput ? 1 : 0;
        key[shape.length + 3] = preActivation ? 1 : 0;
        key[shape.length + 4] = sumIntoOutput ? 1 : 0;
        key[shape.length + 5] = afterSum == null ? 0 : afterSum.ordinal() + 1;
        key[shape.length + 6] = outputChannelStride;
        key[shape.length + 7] = bf16Input ? 1 : 0;
        key[shape.length + 8] = bf16Output ? 1 : 0;
        key[shape.length + 9] = Float.floatToIntBits(summandScale);
        for (int i = 0; i < axes; i++) {
            key[shape.length + FLAGS + 2 * i] = inputPadding[i][0];
            key[shape.length + FLAGS + 1 + 2 * i] = inputPadding[i][1];
        }
        return key;
    }

    static long[] shapeOf(long[] key) {
        int marker = 0;
        while (marker < key.length && key[marker] != -1) marker++;
        return marker == key.length ? key : Arrays.copyOf(key, marker);
    }

    static Variant ofKey(long[] key) {
        int marker = shapeOf(key).length;
        if (marker == key.length) {
            return PLAIN;
        }
        int axes = (key.length - marker - FLAGS) / 2;
        int[][] pads = axes == 0 ? null : new int[axes][2];
        for (int i = 0; i < axes; i++) {
            pads[i][0] = (int) key[marker + FLAGS + 2 * i];
            pads[i][1] = (int) key[marker + FLAGS + 1 + 2 * i];
        }
        Activation after = key[marker + 5] == 0 ? null : Activation.values()[(int) key[marker + 5] - 1];
        return new Variant(pads, key[marker + 1] == 1, key[marker + 2] == 1, key[marker + 3] == 1, key[marker + 4] == 1,
                after, key[marker + 6], key[marker + 7] == 1, key[marker + 8] == 1, Float.intBitsToFloat((int) key[marker + 9]));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Variant v && Arrays.deepEquals(inputPadding, v.inputPadding)
                && channelsLastInput == v.channelsLastInput && channelsLastOutput == v.channelsLastOutput
                && preActivation == v.preActivation && sumIntoOutput == v.sumIntoOutput && afterSum == v.afterSum
                && outputChannelStride == v.outputChannelStride && bf16Input == v.bf16Input && bf16Output == v.bf16Output
                && Float.compare(summandScale, v.summandScale) == 0;
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(inputPadding) * 8 + (channelsLastInput ? 4 : 0) + (channelsLastOutput ? 2 : 0)
                + (preActivation ? 1 : 0) + (sumIntoOutput ? 16 : 0) + (afterSum == null ? 0 : 32 * (afterSum.ordinal() + 1))
                + 31 * 1024 * Long.hashCode(outputChannelStride) + (bf16Input ? 1 << 20 : 0) + (bf16Output ? 1 << 21 : 0)
                + 127 * Float.hashCode(summandScale);
    }

    @Override
    public String toString() {
        return "Variant[padding=" + Arrays.deepToString(inputPadding) + ", channelsLastInput=" + channelsLastInput
                + ", channelsLastOutput=" + channelsLastOutput + ", preActivation=" + preActivation
                + ", sumIntoOutput=" + sumIntoOutput + ", summandScale=" + summandScale + ", afterSum=" + afterSum
                + ", bf16Input=" + bf16Input
                + ", bf16Output=" + bf16Output + "]";
    }
}
