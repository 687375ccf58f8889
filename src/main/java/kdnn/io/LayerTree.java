package kdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The layers of a model config in Keras 2's form, nested models as subtrees. A layer's path is
 * the names from the top model down, joined by "/".
 */
record LayerTree(String path, String name, String className, JsonNode config, List<LayerTree> children) {
    private static final Set<String> MODEL_CLASSES = Set.of("Sequential", "Functional", "Model");

    /** The top model's layers, in the config's order. */
    static List<LayerTree> of(JsonNode modelConfig) {
        return layersOf(modelConfig.get("config"), "");
    }

    static boolean isModel(JsonNode entry) {
        return entry != null && MODEL_CLASSES.contains(entry.path("class_name").asText())
                && entry.path("config").path("layers").isArray();
    }

    private static List<LayerTree> layersOf(JsonNode modelConfig, String prefix) {
        List<LayerTree> out = new ArrayList<>();
        for (JsonNode entry : modelConfig.path("layers")) {
            String name = nameOf(entry);
            String path = prefix + name;
            List<LayerTree> children = isModel(entry) ? layersOf(entry.get("config"), path + "/") : null;
            out.add(new LayerTree(path, name, entry.path("class_name").asText(), entry.path("config"), children));
        }
        return out;
    }

    static String nameOf(JsonNode entry) {
        JsonNode n = entry.get("name");
        return n != null && n.isTextual() ? n.asText() : entry.path("config").path("name").asText("");
    }

    boolean isModel() {
        return children != null;
    }

    boolean isSequential() {
        return className.equals("Sequential");
    }

    /** Every layer that is not a model, depth first, in config order. */
    void collectLeaves(List<LayerTree> into) {
        if (children == null) {
            into.add(this);
        } else {
            for (LayerTree c : children) c.collectLeaves(into);
        }
    }

    static List<LayerTree> leaves(List<LayerTree> layers) {
        List<LayerTree> out = new ArrayList<>();
        for (LayerTree l : layers) l.collectLeaves(out);
        return out;
    }

    /** Leaves by name; a name used twice maps to every layer that has it. */
    static Map<String, List<LayerTree>> leavesByName(List<LayerTree> layers) {
        Map<String, List<LayerTree>> out = new LinkedHashMap<>();
        for (LayerTree l : leaves(layers)) out.computeIfAbsent(l.name, k -> new ArrayList<>()).add(l);
        return out;
    }

    String describe() {
        return "layer \"" + path + "\" (" + className + ")";
    }
}
