package kdnn.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/**
 * The calls of a {@code MultiHeadAttention} in a file, both ways. Keras writes the query as the
 * call's input and the value, key and attention_mask as keyword arguments (tf.keras:
 * {@code [layer, node, tensor]} lists; Keras 3: tensors in {@code args} and {@code kwargs});
 * kdnn's node lists them in order, {@code [query, value]}, {@code [query, value, key]} or
 * {@code [query, value, key, attention_mask]} (the value as the key when a mask comes without
 * one, Keras' default), with {@code use_causal_mask} an argument of the layer.
 */
public final class AttentionCalls {
    public static final String CLASS_NAME = "MultiHeadAttention";
    /** The classes called as MultiHeadAttention is: it and Keras 3's GroupedQueryAttention. */
    public static final Set<String> CLASS_NAMES = Set.of(CLASS_NAME, "GroupedQueryAttention");
    /** The attention layers whose call arguments (use_causal_mask, return_attention_scores) kdnn keeps as the layer's. */
    public static final Set<String> WITH_CALL_ARGUMENTS = Set.of(CLASS_NAME, "GroupedQueryAttention", "Attention",
            "AdditiveAttention");
    /** Keyword arguments of the call that may hold tensors. */
    public static final Set<String> TENSOR_KWARGS = Set.of("query", "value", "key", "attention_mask", "query_mask",
            "value_mask", "key_mask");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private AttentionCalls() {
    }

    /** The call's non-tensor arguments kdnn keeps as the layer's own. */
    private static final List<String> CALL_ARGUMENTS = List.of("use_causal_mask", "return_attention_scores");

    /**
     * A layer entry whose config takes {@code use_causal_mask} and {@code return_attention_scores}
     * from its calls (the same in all of them), as kdnn keeps them.
     */
    public static JsonNode withCallArguments(JsonNode entry, String where) {
        ObjectNode out = null;
        for (String key : CALL_ARGUMENTS) {
            Boolean value = null;
            for (JsonNode call : entry.path("inbound_nodes")) {
                JsonNode c = call.path(0).path(3).path(key);
                if (!c.isMissingNode() && !c.isNull() && !c.isBoolean()) {
                    throw new IllegalArgumentException(where + " has " + key + "=" + c + "; expected a boolean");
                }
                boolean v = c.asBoolean(false);
                if (value != null && value != v) {
                    throw new IllegalArgumentException(where + " is called with and without " + key + "; kdnn keeps one"
                            + " setting per layer");
                }
                value = v;
            }
            if (value != null && value) {
                if (out == null) out = entry.deepCopy();
                ((ObjectNode) out.get("config")).put(key, true);
            }
        }
        return out == null ? entry : out;
    }

    /**
     * One call in Keras 2's form ({@code [[layer, node, tensor, kwargs], ...]}, the tensor keyword
     * arguments as {@code [layer, node, tensor]}) as kdnn's positional inputs.
     */
    public static ArrayNode toPositional(JsonNode call, String where) {
        if (!call.isArray() || call.isEmpty()) {
            throw new IllegalArgumentException(where + " has an empty call");
        }
        JsonNode kwargs = call.get(0).path(3);
        JsonNode[] roles = new JsonNode[4]; // query, value, key, attention_mask
        if (call.size() > 3) {
            throw new IllegalArgumentException(where + " is called with " + call.size() + " positional tensors;"
                    + " after query, value and key Keras' next arguments are the query's, value's and key's masks,"
                    + " which kdnn does not read");
        }
        for (int i = 0; i < call.size(); i++) roles[i] = ref(call.get(i), where);
        if (kwargs.isObject()) {
            int at = 0;
            for (String key : List.of("query", "value", "key")) {
                JsonNode t = kwargs.path(key);
                if (!t.isMissingNode() && !t.isNull()) {
                    if (roles[at] != null) {
                        throw new IllegalArgumentException(where + " is given its " + key + " twice");
                    }
                    roles[at] = ref(t, where);
                }
                at++;
            }
            JsonNode mask = kwargs.path("attention_mask");
            if (!mask.isMissingNode() && !mask.isNull()) roles[3] = ref(mask, where);
            for (String key : List.of("query_mask", "value_mask", "key_mask")) {
                if (!kwargs.path(key).isMissingNode() && !kwargs.path(key).isNull()) {
                    throw new IllegalArgumentException(where + " is called with " + key + ", which kdnn does not"
                            + " read; give the mask as attention_mask");
                }
            }
        }
        if (roles[0] == null || roles[1] == null) {
            throw new IllegalArgumentException(where + " is called without its " + (roles[0] == null ? "query"
                    : "value") + " (Keras' MultiHeadAttention takes query and value)");
        }
        if (roles[3] != null && roles[2] == null) roles[2] = roles[1];
        ArrayNode out = JSON.arrayNode();
        for (JsonNode r : roles) {
            if (r != null) out.add(((ArrayNode) r.deepCopy()).add(JSON.objectNode()));
        }
        return out;
    }

    /** {@code [layer, node, tensor]} of a reference (the kwargs after it dropped). */
    private static ArrayNode ref(JsonNode r, String where) {
        if (!r.isArray() || r.size() < 3 || !r.get(0).isTextual() || !r.get(1).canConvertToInt()
                || !r.get(2).canConvertToInt()) {
            throw new IllegalArgumentException(where + " is called with " + r + " where a tensor reference [layer, node,"
                    + " tensor] belongs");
        }
        ArrayNode out = JSON.arrayNode();
        out.add(r.get(0)).add(r.get(1)).add(r.get(2));
        return out;
    }
}
