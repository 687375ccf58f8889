package kdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether two normalized configs of one model, written by different writers, describe the same
 * model: the same layers in the same order, class names, names, connectivity, and the same value
 * for every argument both give. The differences writers legitimately have are tolerated, each
 * for a stated reason; anything else is reported.
 */
final class ConfigEquivalence {
    /**
     * Arguments one writer gives and another leaves out, all at values that compute the same:
     * tf.keras 2.12 writes {@code groups} on DepthwiseConv/Transpose/Separable (inherited from
     * Conv), {@code ragged}, {@code trainable}, {@code dtype}; Keras 3 adds {@code optional},
     * {@code quantization_config}, BatchNormalization's {@code renorm*} and {@code synchronized},
     * a Sequential's {@code build_input_shape}, and leaves out arguments it dropped
     * (SeparableConv's {@code kernel_*}, {@code activity_regularizer} on some layers); TF.js
     * leaves out defaults ({@code data_format}, {@code dilation_rate}, {@code keepdims},
     * {@code output_padding}, ReLU's {@code negative_slope}/{@code threshold}) and SeparableConv2D's
     * {@code depth_multiplier}, which its depthwise kernel's last dimension gives (GoldenFormatsTest
     * checks that it does).
     */
    static final Set<String> ONE_SIDED = Set.of("groups", "ragged", "trainable", "dtype", "optional",
            "quantization_config", "renorm", "renorm_clipping", "renorm_momentum", "synchronized", "build_input_shape",
            "kernel_initializer", "kernel_regularizer", "kernel_constraint", "activity_regularizer", "data_format",
            "dilation_rate", "keepdims", "output_padding", "negative_slope", "threshold", "sparse",
            "batch_input_shape", "depth_multiplier");

    private final List<String> problems = new ArrayList<>();

    /** The differences that are not tolerated; empty when the configs are equivalent. */
    static List<String> differences(JsonNode a, JsonNode b) {
        ConfigEquivalence e = new ConfigEquivalence();
        e.model(a, b, "model");
        return e.problems;
    }

    private void model(JsonNode a, JsonNode b, String where) {
        String ca = modelClass(a.path("class_name").asText());
        String cb = modelClass(b.path("class_name").asText());
        if (!ca.equals(cb)) problems.add(where + ": class " + ca + " vs " + cb);
        JsonNode la = a.path("config").path("layers");
        JsonNode lb = b.path("config").path("layers");
        List<JsonNode> xa = realLayers(la, ca);
        List<JsonNode> xb = realLayers(lb, cb);
        if (!a.path("config").path("name").equals(b.path("config").path("name"))) {
            problems.add(where + ": name " + a.path("config").path("name") + " vs " + b.path("config").path("name"));
        }
        if (ca.equals("Sequential") && !inputShape(la).equals(inputShape(lb))) {
            problems.add(where + ": input shape " + inputShape(la) + " vs " + inputShape(lb));
        }
        if (xa.size() != xb.size()) {
            problems.add(where + ": " + xa.size() + " layers vs " + xb.size());
            return;
        }
        for (int i = 0; i < xa.size(); i++) {
            layer(xa.get(i), xb.get(i), where + " layer " + i);
        }
        if (!ca.equals("Sequential")) {
            for (String key : List.of("input_layers", "output_layers")) {
                if (!a.path("config").path(key).equals(b.path("config").path(key))) {
                    problems.add(where + ": " + key + " " + a.path("config").path(key) + " vs " + b.path("config").path(key));
                }
            }
        }
    }

    /** TF.js calls a functional model "Model", tf.keras 2.12 and Keras 3 "Functional". */
    private static String modelClass(String c) {
        return c.equals("Model") ? "Functional" : c;
    }

    /** A Sequential's InputLayer is present in some writers' configs only (and auto-named differently). */
    private static List<JsonNode> realLayers(JsonNode layers, String cls) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode l : layers) {
            if (!(cls.equals("Sequential") && l.path("class_name").asText().equals("InputLayer"))) out.add(l);
        }
        return out;
    }

    /** A Sequential's input shape: on its InputLayer, or on its first layer. */
    private static JsonNode inputShape(JsonNode layers) {
        for (JsonNode l : layers) {
            JsonNode s = l.path("config").get("batch_input_shape");
            if (s != null) return s;
        }
        return com.fasterxml.jackson.databind.node.NullNode.getInstance();
    }

    private void layer(JsonNode a, JsonNode b, String where) {
        String ca = modelClass(a.path("class_name").asText());
        String name = LayerTree.nameOf(a);
        where = where + " \"" + name + "\"";
        if (!ca.equals(modelClass(b.path("class_name").asText()))) {
            problems.add(where + ": class " + ca + " vs " + b.path("class_name").asText());
            return;
        }
        if (!name.equals(LayerTree.nameOf(b))) {
            problems.add(where + ": name vs \"" + LayerTree.nameOf(b) + "\"");
        }
        if (!connectivity(a.path("inbound_nodes")).equals(connectivity(b.path("inbound_nodes")))) {
            problems.add(where + ": inbound nodes " + connectivity(a.path("inbound_nodes")) + " vs "
                    + connectivity(b.path("inbound_nodes")));
        }
        if (LayerTree.isModel(a)) {
            model(a, b, where);
            return;
        }
        JsonNode fa = a.path("config");
        JsonNode fb = b.path("config");
        Set<String> keys = new TreeSet<>();
        fa.fieldNames().forEachRemaining(keys::add);
        fb.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            if (!fa.has(key) || !fb.has(key)) {
                if (!ONE_SIDED.contains(key)) problems.add(where + ": argument \"" + key + "\" given by one writer only");
            } else if (!argumentEqual(ca, key, fa.get(key), fb.get(key))) {
                problems.add(where + ": argument \"" + key + "\" " + fa.get(key) + " vs " + fb.get(key));
            }
        }
    }

    private static boolean argumentEqual(String cls, String key, JsonNode a, JsonNode b) {
        if (sameValue(a, b)) return true;
        // initializers only matter for training; TF.js writes GlorotUniform as VarianceScaling, Keras 3 adds axes
        if (key.endsWith("_initializer")) return true;
        // the InputLayer of a Sequential is auto-named by each writer
        if (cls.equals("InputLayer") && key.equals("name")) return true;
        // tf.keras writes a built BatchNormalization's axis as the list of non-negative axes its build made
        // ([3]); Keras 3 and TF.js write the int as given: the same axis, or -1 (the last, which the golden files' is)
        if (key.equals("axis") && cls.equals("BatchNormalization")) {
            JsonNode x = a.isArray() ? a : b;
            JsonNode y = a.isArray() ? b : a;
            return x.isArray() && x.size() == 1 && y.isInt() && (y.asInt() == -1 || y.asInt() == x.get(0).asInt());
        }
        return false;
    }

    /** Equal JSON, with numbers compared by value (1 and 1.0 are one number). */
    private static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) return a.asDouble() == b.asDouble();
        if (a.isArray() && b.isArray() || a.isObject() && b.isObject()) {
            if (a.size() != b.size()) return false;
            if (a.isArray()) {
                for (int i = 0; i < a.size(); i++) if (!sameValue(a.get(i), b.get(i))) return false;
                return true;
            }
            for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!b.has(k) || !sameValue(a.get(k), b.get(k))) return false;
            }
            return true;
        }
        return a.equals(b);
    }

    /**
     * Each call's inputs as [layer, node, tensor]; the 4th element (call kwargs) differs by
     * writer: Keras 3 records {@code training: false} for Dropout, the others nothing.
     */
    private static List<String> connectivity(JsonNode nodes) {
        List<String> out = new ArrayList<>();
        for (JsonNode call : nodes) {
            List<String> inputs = new ArrayList<>();
            for (JsonNode t : call) inputs.add(t.get(0).asText() + "@" + t.get(1).asInt() + "." + t.get(2).asInt());
            out.add(inputs.toString());
        }
        return out;
    }
}
