package kdnn.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import kdnn.layers.InputLayer;
import kdnn.layers.Layer;
import kdnn.layers.Layers;

/**
 * A model's config in Keras 2's form, as tf.keras 2.12's {@code model.get_config()} gives it
 * inside {@code {"class_name", "config"}}: the inverse of {@link ModelConfigs#build}.
 */
final class ConfigWriter {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private ConfigWriter() {
    }

    static ObjectNode of(Model model) {
        model.ensureOpen();
        ObjectNode out = JSON.objectNode();
        out.put("class_name", model.className());
        out.set("config", model instanceof Sequential s ? sequential(s) : functional(model));
        return out;
    }

    /** {@code {name, layers}}: its InputLayer first, the first real layer with batch_input_shape. */
    private static ObjectNode sequential(Sequential model) {
        ObjectNode c = JSON.objectNode();
        c.put("name", model.name());
        ArrayNode layers = c.putArray("layers");
        InputLayer input = (InputLayer) model.inputs().get(0).node().op();
        layers.add(Layers.toConfig(input));
        for (int i = 0; i < model.ops().size(); i++) {
            if (model.ops().get(i) instanceof Model m) {
                layers.add(of(m));
                continue;
            }
            ObjectNode l = Layers.toConfig((Layer) model.ops().get(i));
            ObjectNode lc = (ObjectNode) l.get("config");
            if (i == 0 && !lc.has("batch_input_shape")) lc.set("batch_input_shape", input.getConfig().get("batch_input_shape"));
            layers.add(l);
        }
        return c;
    }

    /** {@code {name, trainable, layers (with inbound_nodes), input_layers, output_layers}}. */
    private static ObjectNode functional(Model model) {
        Map<Object, List<Node>> calls = new IdentityHashMap<>();
        for (Node n : model.nodes()) calls.computeIfAbsent(n.op(), k -> new ArrayList<>()).add(n);
        calls.values().forEach(l -> l.sort(Comparator.comparingInt(Node::callIndex)));
        ObjectNode c = JSON.objectNode();
        c.put("name", model.name());
        c.put("trainable", true);
        ArrayNode layers = c.putArray("layers");
        for (Object op : model.layerObjects()) {
            ObjectNode entry = op instanceof Model m ? of(m) : Layers.toConfig((Layer) op);
            entry.put("name", op instanceof Model m ? m.name() : ((Layer) op).name());
            ArrayNode inbound = entry.putArray("inbound_nodes");
            for (Node n : calls.getOrDefault(op, List.of())) {
                if (op instanceof kdnn.layers.MultiHeadAttention mha) {
                    inbound.add(attentionCall(n, calls, mha));
                    continue;
                }
                ArrayNode args = inbound.addArray();
                ObjectNode kwargs = JSON.objectNode();
                if (op instanceof kdnn.layers.BaseDenseAttention dense) {
                    // Keras' call arguments, written beside each input as tf.keras writes a list call's
                    if (dense.useCausalMask()) kwargs.put("use_causal_mask", true);
                    if (dense.returnAttentionScores()) kwargs.put("return_attention_scores", true);
                }
                for (KerasTensor t : n.inputs()) {
                    args.add(reference(t, calls).add(kwargs.deepCopy()));
                }
            }
            if (op instanceof kdnn.layers.MultiHeadAttention) attentionConfig(entry, calls.getOrDefault(op, List.of()));
            if (op instanceof kdnn.layers.BaseDenseAttention) {
                ((ObjectNode) entry.get("config")).remove(List.of("use_causal_mask", "return_attention_scores"));
            }
            layers.add(entry);
        }
        ArrayNode ins = c.putArray("input_layers");
        for (KerasTensor t : model.inputs()) ins.add(reference(t, calls));
        ArrayNode outs = c.putArray("output_layers");
        for (KerasTensor t : model.outputs()) outs.add(reference(t, calls));
        return c;
    }

    /**
     * tf.keras' call of a MultiHeadAttention: the query, with the value, the key (left out when it
     * is the value) and the attention mask as keyword arguments, and use_causal_mask and
     * return_attention_scores among them.
     */
    private static ArrayNode attentionCall(Node n, Map<Object, List<Node>> calls, kdnn.layers.MultiHeadAttention mha) {
        List<KerasTensor> in = n.inputs();
        ObjectNode kwargs = JSON.objectNode();
        kwargs.set("value", reference(in.get(1), calls));
        if (in.size() > 2 && in.get(2) != in.get(1)) kwargs.set("key", reference(in.get(2), calls));
        if (in.size() > 3) kwargs.set("attention_mask", reference(in.get(3), calls));
        if (mha.useCausalMask()) kwargs.put("use_causal_mask", true);
        if (mha.returnAttentionScores()) kwargs.put("return_attention_scores", true);
        ArrayNode call = JSON.arrayNode();
        call.add(reference(in.get(0), calls).add(kwargs));
        return call;
    }

    /**
     * tf.keras' config of a MultiHeadAttention: use_causal_mask is a call argument, and the shapes
     * it was built for are kept (its from_config builds the weights from them).
     */
    private static void attentionConfig(ObjectNode entry, List<Node> nodes) {
        ObjectNode c = (ObjectNode) entry.get("config");
        c.remove("use_causal_mask");
        c.remove("return_attention_scores");
        c.remove("seed"); // Keras 3's dropout seed, which tf.keras' constructor does not take
        if (nodes.isEmpty()) return;
        List<KerasTensor> in = nodes.get(0).inputs();
        c.set("query_shape", shape(in.get(0).shape()));
        c.set("key_shape", shape(in.get(in.size() > 2 ? 2 : 1).shape()));
        c.set("value_shape", shape(in.get(1).shape()));
    }

    private static ArrayNode shape(long[] s) {
        ArrayNode a = JSON.arrayNode();
        for (long d : s) {
            if (d < 0) a.addNull(); else a.add(d);
        }
        return a;
    }

    /** The input shapes of each call of each layer or nested model of this model, by name, in call order. */
    static Map<String, List<List<long[]>>> callInputShapes(Model model) {
        model.ensureOpen();
        Map<String, List<List<long[]>>> out = new java.util.LinkedHashMap<>();
        List<Node> nodes = new ArrayList<>(model.nodes());
        nodes.sort(Comparator.comparingInt(Node::callIndex));
        for (Node n : nodes) {
            out.computeIfAbsent(n.name(), k -> new ArrayList<>()).add(n.inputs().stream().map(KerasTensor::shape).toList());
        }
        return out;
    }

    /**
     * {@code [layer, node, tensor]} with Keras 2's node numbers: a layer's calls in this model
     * counted from 0, a nested model's from 1 (its node 0 links its own input to its output).
     */
    private static ArrayNode reference(KerasTensor t, Map<Object, List<Node>> calls) {
        Node n = t.node();
        Object op = n.op();
        int node = op instanceof InputLayer ? 0 : calls.get(op).indexOf(n) + (op instanceof Model ? 1 : 0);
        ArrayNode ref = JSON.arrayNode();
        ref.add(n.name()).add(node).add(t.index());
        return ref;
    }
}
