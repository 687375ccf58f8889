package kdnn.internal;

import kdnn.layers.Layer;

/**
 * What a layer call does with Keras' mask (the {@code _keras_mask} that {@code Embedding(mask_zero=True)}
 * and {@code Masking} attach to their outputs): a model carries each mask as one more value of
 * its graph, computed by the hidden {@code maskLayer} where a call makes or merges masks.
 *
 * @param maskLayer the layer computing this call's output mask, for {@link Kind#MAKES} (from the
 *                  call's inputs) and {@link Kind#MERGES} (from its inputs, then the masks present); else null
 */
public record MaskUse(Kind kind, Layer maskLayer) {
    /** How the mask of the first input (Keras passes only that one to most layers) meets the layer. */
    public enum Kind {
        /** Keras' {@code supports_masking=False}: the mask stops here. */
        DROPS,
        /** The output carries the first input's mask unchanged. */
        PASSES,
        /** The layer reads the mask (one more input after its own) and its output carries none. */
        READS,
        /** The layer reads the mask and its output carries it on (a recurrent layer's sequences). */
        READS_AND_PASSES,
        /**
         * The layer reads the mask of each input that has one (one more input each, after its own, in
         * order) and its output carries the first input's (an attention's query, value and key masks).
         */
        READS_EACH,
        /** The layer's output carries a new mask, computed from its inputs alone. */
        MAKES,
        /** A merge: the output mask combines the inputs' masks (those present). */
        MERGES
    }

    public static final MaskUse DROPS = new MaskUse(Kind.DROPS, null);
    public static final MaskUse PASSES = new MaskUse(Kind.PASSES, null);
    public static final MaskUse READS = new MaskUse(Kind.READS, null);
    public static final MaskUse READS_AND_PASSES = new MaskUse(Kind.READS_AND_PASSES, null);
    public static final MaskUse READS_EACH = new MaskUse(Kind.READS_EACH, null);
}
