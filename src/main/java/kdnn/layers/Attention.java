package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.keras.Initializers;
import kdnn.runtime.DenseAttentions;

/**
 * Keras' {@code Attention} (Luong-style): scores {@code query . key} ({@code score_mode="dot"})
 * or {@code sum(tanh(query + key))} ({@code "concat"}, times its {@code concat_score_weight}),
 * times a learned scalar {@code scale} with {@code use_scale} (inside the tanh for "concat"), then
 * a softmax over the keys and the weighted sum of the values (see {@link BaseDenseAttention}).
 */
public final class Attention extends BaseDenseAttention {
    /** Keras' class name, {@code "Attention"}. */
    public static final String CLASS_NAME = "Attention";

    private final String scoreMode;

    private Attention(String name, boolean trainable, boolean useScale, String scoreMode, double dropout, boolean causal,
                      boolean returnScores, JsonNode seed) {
        super(name == null ? LayerNames.next(CLASS_NAME) : name, trainable, useScale, dropout, causal, returnScores, seed);
        if (!scoreMode.equals("dot") && !scoreMode.equals("concat")) {
            throw new IllegalArgumentException("Invalid value for argument score_mode. Expected one of {'dot', 'concat'}."
                    + " Received: score_mode=" + scoreMode);
        }
        this.scoreMode = scoreMode;
    }

    /** A new layer with Keras' arguments ({@code use_causal_mask} and {@code return_attention_scores} for every call). */
    public static Attention of(String name, boolean useScale, String scoreMode, double dropout, boolean useCausalMask,
                               boolean returnAttentionScores) {
        return new Attention(name, true, useScale, scoreMode, dropout, useCausalMask, returnAttentionScores, null);
    }

    /** Keras' {@code from_config}; tf.keras' deprecated {@code causal} is {@code use_causal_mask}. */
    public static Attention fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        boolean useScale = r.bool("use_scale", false);
        String mode = r.string("score_mode", "dot");
        double dropout = r.number("dropout", 0.0);
        boolean causal = r.bool("causal", false) | r.bool("use_causal_mask", false);
        boolean scores = r.bool("return_attention_scores", false);
        JsonNode s = r.node("seed");
        r.finish();
        return new Attention(name, trainable, useScale, mode, dropout, causal, scores, s.isNull() ? null : s);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** Keras' {@code score_mode}. */
    public String scoreMode() {
        return scoreMode;
    }

    @Override
    DenseAttentions.Score score() {
        return scoreMode.equals("dot") ? DenseAttentions.Score.DOT : DenseAttentions.Score.CONCAT;
    }

    @Override
    protected void createWeights(long[] inputShape) {
        if (useScale) {
            variables.add(new Variable("scale", new int[0], arena, Initializers.get(
                    com.fasterxml.jackson.databind.node.TextNode.valueOf("ones")), null, null));
        }
        if (scoreMode.equals("concat")) {
            variables.add(new Variable("concat_score_weight", new int[0], arena, Initializers.get(
                    com.fasterxml.jackson.databind.node.TextNode.valueOf("ones")), null, null));
        }
    }

    @Override
    DenseAttentions.Weights weights() {
        return new DenseAttentions.Weights(useScale ? variables.get(0).data() : null,
                scoreMode.equals("concat") ? variables.get(useScale ? 1 : 0).data() : null);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("use_scale", useScale);
        c.put("score_mode", scoreMode);
        commonConfig(c);
        return c;
    }
}
