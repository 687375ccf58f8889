package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.keras.Initializers;
import kdnn.runtime.DenseAttentions;

/**
 * Keras' {@code AdditiveAttention} (Bahdanau-style): scores {@code sum(scale * tanh(query + key))}
 * over the features, {@code scale} a learned vector of the query's features with {@code use_scale}
 * (the default), else 1; then a softmax over the keys and the weighted sum of the values (see
 * {@link BaseDenseAttention}).
 */
public final class AdditiveAttention extends BaseDenseAttention {
    /** Keras' class name, {@code "AdditiveAttention"}. */
    public static final String CLASS_NAME = "AdditiveAttention";

    private AdditiveAttention(String name, boolean trainable, boolean useScale, double dropout, boolean causal,
                              boolean returnScores, JsonNode seed) {
        super(name == null ? LayerNames.next(CLASS_NAME) : name, trainable, useScale, dropout, causal, returnScores, seed);
    }

    /** A new layer with Keras' arguments ({@code use_causal_mask} and {@code return_attention_scores} for every call). */
    public static AdditiveAttention of(String name, boolean useScale, double dropout, boolean useCausalMask,
                                       boolean returnAttentionScores) {
        return new AdditiveAttention(name, true, useScale, dropout, useCausalMask, returnAttentionScores, null);
    }

    /** Keras' {@code from_config}; tf.keras' deprecated {@code causal} is {@code use_causal_mask}. */
    public static AdditiveAttention fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        boolean useScale = r.bool("use_scale", true);
        double dropout = r.number("dropout", 0.0);
        boolean causal = r.bool("causal", false) | r.bool("use_causal_mask", false);
        boolean scores = r.bool("return_attention_scores", false);
        JsonNode s = r.node("seed");
        r.node("score_mode"); // Keras 3 writes its parent's "dot"; the additive score is the only one
        r.finish();
        return new AdditiveAttention(name, trainable, useScale, dropout, causal, scores, s.isNull() ? null : s);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    DenseAttentions.Score score() {
        return DenseAttentions.Score.ADDITIVE;
    }

    /**
     * The scale's length: the query's features in Keras 3, the value's in tf.keras (which then
     * multiplies the query's features by it: equal lengths, or one value for all).
     */
    private long scaleLength(long query, long value) {
        if (version == KerasVersion.KERAS_3 || value < 0) return query;
        if (useScale && value != query && value != 1) {
            throw new IllegalArgumentException("Layer \"" + name() + "\" (AdditiveAttention): tf.keras' scale has the"
                    + " value's " + value + " features and multiplies the query's " + query + ", which do not broadcast");
        }
        return value;
    }

    /** The scale's length under Keras version {@code v} for the shapes this layer is built for (-1 unbuilt). */
    public long scaleLengthIn(KerasVersion v) {
        long[] built = builtInputShape();
        if (built == null) return -1;
        return v == KerasVersion.KERAS_3 || builtValueDim < 0 ? built[2] : builtValueDim;
    }

    @Override
    protected void createWeights(long[] inputShape) {
        if (useScale) {
            variables.add(new Variable("scale", new int[] {Math.toIntExact(scaleLength(inputShape[2], builtValueDim))}, arena,
                    Initializers.get(com.fasterxml.jackson.databind.node.TextNode.valueOf("glorot_uniform")), null, null));
        }
    }

    @Override
    DenseAttentions.Weights weights() {
        return new DenseAttentions.Weights(useScale ? variables.get(0).data() : null, null);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("use_scale", useScale);
        commonConfig(c);
        return c;
    }
}
