package kdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import kdnn.layers.Weight;

/**
 * Keras 3's weights file ({@code model.weights.h5} in a .keras zip, or a {@code .weights.h5}):
 * a layer's variables are datasets {@code 0}, {@code 1}, ... of {@code layers/<key>/vars}, where
 * the key is the snake_case of the layer's class, numbered {@code _1}, {@code _2}, ... in the
 * order of the model's layers (a Sequential's InputLayer is not among them). A nested model's
 * layers are {@code layers/<key>/layers/...}. The file holds no weight names: they come from the
 * layer class.
 */
final class Keras3Weights {
    /**
     * A MultiHeadAttention's projections, as Keras 3 saves them (by their public properties; the gate,
     * which has none, by its attribute), in get_weights() order.
     */
    static List<String> attentionParts(boolean gate) {
        return attentionParts(gate, false);
    }

    /**
     * The projections' attributes Keras 3 saves them under: MultiHeadAttention's public properties;
     * GroupedQueryAttention has none, so its private attributes ({@code _query_dense} ...).
     */
    static List<String> attentionParts(boolean gate, boolean grouped) {
        if (grouped) return List.of("_query_dense", "_key_dense", "_value_dense", "_output_dense");
        return gate ? List.of("query_dense", "key_dense", "_gate_dense", "value_dense", "output_dense")
                : List.of("query_dense", "key_dense", "value_dense", "output_dense");
    }

    /** RNG state Keras 3 tracks beside a layer's variables; not weights. */
    private static final Set<String> NOT_WEIGHTS = Set.of("seed_generator");

    private final Hdf5 h5;
    private final List<String> notes;
    private final Map<String, List<Weight>> out = new LinkedHashMap<>();

    private Keras3Weights(Hdf5 h5, List<String> notes) {
        this.h5 = h5;
        this.notes = notes;
    }

    static boolean isKeras3Layout(Group root) {
        return Hdf5.childGroup(root, "layers") != null || Hdf5.childGroup(root, "vars") != null
                && root.getAttribute("layer_names") == null;
    }

    static Map<String, List<Weight>> read(Hdf5 h5, List<LayerTree> layers, boolean sequential, List<String> notes) {
        Keras3Weights k = new Keras3Weights(h5, notes);
        k.model(h5.root(), "", layers, sequential);
        return k.out;
    }

    private void model(Group group, String prefix, List<LayerTree> layers, boolean sequential) {
        requireNoVars(group, prefix.isEmpty() ? "the model" : "nested model \"" + prefix + "\"");
        Group layersGroup = Hdf5.childGroup(group, "layers");
        Map<String, Integer> used = new HashMap<>();
        Set<String> claimed = new HashSet<>();
        for (int i = 0; i < layers.size(); i++) {
            LayerTree l = layers.get(i);
            if (sequential && i == 0 && l.className().equals("InputLayer")) {
                continue; // Sequential.layers leaves out its InputLayer
            }
            String key = snakeCase(l.className());
            Integer n = used.merge(key, 0, (a, b) -> a + 1);
            if (n > 0) key = key + "_" + n;
            claimed.add(key);
            Group lg = layersGroup == null ? null : Hdf5.childGroup(layersGroup, key);
            String where = l.describe() + " (weights at \"" + prefix(group) + "layers/" + key + "\")";
            if (l.isModel()) {
                if (lg == null) {
                    throw missing(l, key, group);
                }
                model(lg, l.path(), l.children(), l.isSequential());
            } else {
                layer(l, lg, key, group, where);
            }
        }
        if (layersGroup != null) {
            for (String key : layersGroup.getChildren().keySet()) {
                if (!claimed.contains(key) && holdsData(layersGroup.getChildren().get(key))) {
                    throw new ModelFileException(h5.file + ": holds weights at \"" + Hdf5.stripSlashes(layersGroup.getPath())
                            + "/" + key + "\", which no layer of the config has (keys follow the layers' classes in order)");
                }
            }
        }
    }

    /**
     * The attribute under which Keras 3 saves a layer's weights when they belong to an object it
     * holds: a wrapper's {@code layer}, a recurrent layer's {@code cell}; null for a layer's own.
     */
    static String innerAttribute(String className) {
        return switch (className) {
            case "TimeDistributed" -> "layer";
            case "SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "RNN" -> "cell";
            default -> null;
        };
    }

    /**
     * Where Keras 3 saves the cells of an RNN layer's StackedRNNCells, under {@code cell/cells}:
     * each by its class in snake case, numbered from the second of a class on ({@code gru_cell},
     * {@code gru_cell_1}); null for another layer.
     */
    static List<String> stackedCells(String className, JsonNode config) {
        JsonNode cell = config.path("cell");
        if (!className.equals("RNN") || !cell.path("class_name").asText("").equals("StackedRNNCells")) return null;
        List<String> out = new ArrayList<>();
        Map<String, Integer> used = new java.util.HashMap<>();
        for (JsonNode c : cell.path("config").path("cells")) {
            String snake = snakeCase(c.path("class_name").asText(""));
            Integer n = used.merge(snake, 1, Integer::sum);
            out.add(n == 1 ? snake : snake + "_" + (n - 1));
        }
        return out;
    }

    private void layer(LayerTree l, Group lg, String key, Group parent, String where) {
        List<String> expected = WeightLayouts.names(l.className(), l.config(), 3);
        if (lg == null) {
            if (expected != null && expected.isEmpty()) {
                return;
            }
            throw missing(l, key, parent);
        }
        if (l.className().equals("MultiHeadAttention") || l.className().equals("GroupedQueryAttention")) {
            // Keras 3 walks its four projections: query_dense, key_dense, value_dense, output_dense, each kernel then bias
            requireNoVars(lg, where);
            List<Dataset> datasets = new ArrayList<>();
            for (String part : attentionParts(l.config().path("use_gate").asBoolean(false),
                    l.className().equals("GroupedQueryAttention"))) {
                Group dense = Hdf5.childGroup(lg, part);
                if (dense == null) {
                    throw new ModelFileException(h5.file + ": " + where + " has no \"" + part + "/vars\" group for its"
                            + " " + part.replace("_dense", "").replace("_", "") + " projection");
                }
                datasets.addAll(numbered(Hdf5.childGroup(dense, "vars"), where + ", " + part));
            }
            bind(l, expected, datasets, where);
            return;
        }
        if (l.className().equals("Bidirectional")) {
            // Keras 3 walks its two layers' attributes: forward_layer/cell/vars, then backward_layer/cell/vars
            requireNoVars(lg, where);
            List<Dataset> datasets = new ArrayList<>();
            for (String side : List.of("forward_layer", "backward_layer")) {
                Group layer = Hdf5.childGroup(lg, side);
                Group cell = layer == null ? null : Hdf5.childGroup(layer, "cell");
                datasets.addAll(numbered(cell == null ? null : Hdf5.childGroup(cell, "vars"), where + ", " + side));
            }
            bind(l, expected, datasets, where);
            return;
        }
        if (l.className().equals("SpectralNormalization")) {
            // Keras 3 saves its layer's weights at layer/vars and its own as vars: the kernel (the layer's, again),
            // then vector_u
            List<Dataset> datasets = new ArrayList<>(numbered(Hdf5.childGroup(lg, "layer") == null ? null
                    : Hdf5.childGroup(Hdf5.childGroup(lg, "layer"), "vars"), where + ", layer"));
            List<Dataset> own = numbered(Hdf5.childGroup(lg, "vars"), where);
            if (own.size() != 2) {
                throw new ModelFileException(h5.file + ": " + where + " has " + own.size() + " variables in vars; Keras 3"
                        + " saves SpectralNormalization's kernel and vector_u there");
            }
            datasets.add(own.get(1));
            bind(l, expected, datasets, where);
            return;
        }
        List<String> cells = stackedCells(l.className(), l.config());
        if (cells != null) {
            // Keras 3 walks the stacked cell's list: cell/cells/gru_cell/vars, cell/cells/gru_cell_1/vars, ...
            requireNoVars(lg, where);
            Group list = Hdf5.childGroup(lg, "cell") == null ? null : Hdf5.childGroup(Hdf5.childGroup(lg, "cell"), "cells");
            List<Dataset> datasets = new ArrayList<>();
            for (String cell : cells) {
                Group g = list == null ? null : Hdf5.childGroup(list, cell);
                datasets.addAll(numbered(g == null ? null : Hdf5.childGroup(g, "vars"), where + ", cell/cells/" + cell));
            }
            bind(l, expected, datasets, where);
            return;
        }
        String attribute = innerAttribute(l.className());
        if (attribute != null) {
            // a wrapper's (a recurrent layer's) own vars are empty; its layer's (cell's) are at <attribute>/vars, as
            // Keras 3 walks that attribute
            requireNoVars(lg, where);
            Group inner = Hdf5.childGroup(lg, attribute);
            if (inner == null) {
                if (expected != null && expected.isEmpty()) return;
                throw new ModelFileException(h5.file + ": " + where + " has no \"" + attribute + "/vars\" group for its "
                        + attribute + "'s weights");
            }
            lg = inner;
        }
        Group vars = Hdf5.childGroup(lg, "vars");
        for (Map.Entry<String, Node> e : lg.getChildren().entrySet()) {
            if (!e.getKey().equals("vars") && !NOT_WEIGHTS.contains(e.getKey()) && holdsData(e.getValue())) {
                throw new ModelFileException(h5.file + ": " + where + " holds weights in \"" + e.getKey()
                        + "\" beside its own variables (a layer made of sub-layers), which kdnn does not read");
            }
        }
        bind(l, expected, numbered(vars, where), where);
    }

    /** The datasets 0, 1, ... of a vars group (none for a missing group). */
    private List<Dataset> numbered(Group vars, String where) {
        List<Dataset> datasets = new ArrayList<>();
        for (int i = 0; vars != null; i++) {
            Node n = vars.getChildren().get(Integer.toString(i));
            if (n == null) break;
            if (!(n instanceof Dataset ds)) {
                throw new ModelFileException(h5.file + ": " + where + ": vars/" + i + " is not a dataset");
            }
            datasets.add(ds);
        }
        if (vars != null && datasets.size() != vars.getChildren().size()) {
            throw new ModelFileException(h5.file + ": " + where + ": vars holds " + vars.getChildren().keySet()
                    + "; Keras 3 numbers a layer's variables 0, 1, ... without gaps");
        }
        return datasets;
    }

    /** The layer's weights from these datasets, in order, named as Keras names them. */
    private void bind(LayerTree l, List<String> expected, List<Dataset> datasets, String where) {
        if (expected != null && expected.size() != datasets.size()) {
            throw new ModelFileException(h5.file + ": " + where + " has " + expected.size() + " weights in Keras "
                    + expected + ", but the file holds " + datasets.size());
        }
        if (datasets.isEmpty()) {
            return;
        }
        if (expected == null) {
            notes.add(h5.file + ": " + l.describe() + ": kdnn does not know this class's weight names; they are"
                    + " named by position (\"0\", \"1\", ...)");
        }
        List<Weight> weights = new ArrayList<>();
        for (int i = 0; i < datasets.size(); i++) {
            String name = expected == null ? Integer.toString(i) : expected.get(i);
            weights.add(h5.floats(datasets.get(i), name, l.describe() + " weight " + i + " (" + name + ")", notes));
        }
        out.put(l.path(), weights);
    }

    private ModelFileException missing(LayerTree l, String key, Group parent) {
        return new ModelFileException(h5.file + ": " + l.describe() + " has no weights group \""
                + prefix(parent) + "layers/" + key + "/vars\" (Keras 3 keys a layer by its class and"
                + " position: is the weights file from another model?)");
    }

    private static String prefix(Group g) {
        String p = Hdf5.stripSlashes(g.getPath());
        return p.isEmpty() ? "" : p + "/";
    }

    private void requireNoVars(Group model, String what) {
        Group vars = Hdf5.childGroup(model, "vars");
        if (vars != null && !vars.getChildren().isEmpty()) {
            throw new ModelFileException(h5.file + ": " + what + " has variables of its own (" + vars.getChildren().keySet()
                    + " in \"" + Hdf5.stripSlashes(vars.getPath()) + "\"), which kdnn does not read");
        }
    }

    private static boolean holdsData(Node n) {
        if (n instanceof Dataset) return true;
        if (n instanceof Group g) {
            for (Node c : g.getChildren().values()) {
                if (holdsData(c)) return true;
            }
        }
        return false;
    }

    /** Keras 3's {@code naming.to_snake_case}: "Conv2D" -> "conv2d", "ReLU" -> "re_lu", "BatchNormalization" -> "batch_normalization". */
    static String snakeCase(String className) {
        String s = className.replaceAll("\\W+", "");
        s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        s = s.replaceAll("([a-z])([A-Z])", "$1_$2");
        return s.toLowerCase(Locale.ROOT);
    }
}
