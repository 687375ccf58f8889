package kdnn.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kdnn.io.Keras2Weights.FileLayer;
import kdnn.io.Keras2Weights.FileWeight;
import kdnn.layers.Weight;

/**
 * Gives each layer of a config the weights a file holds for it, checking that every layer gets
 * as many as Keras gives it. Keras 2's HDF5 groups match by layer name, or by position (layers
 * with weights in order) as Keras' own loader does when names differ; TF.js' weights match by the
 * layer name in each weight's name.
 */
final class WeightBinder {
    private final String file;
    private final int kerasMajor;
    private final Map<String, List<Weight>> out = new LinkedHashMap<>();

    private WeightBinder(String file, int kerasMajor) {
        this.file = file;
        this.kerasMajor = kerasMajor;
    }

    /** Binds Keras HDF5 layer groups to the config's top layers. */
    static Map<String, List<Weight>> byLayerGroups(String file, List<LayerTree> layers, List<FileLayer> fileLayers,
                                                   int kerasMajor) {
        WeightBinder b = new WeightBinder(file, kerasMajor);
        Map<String, LayerTree> top = new LinkedHashMap<>();
        for (LayerTree l : layers) top.put(l.name(), l);
        List<FileLayer> stored = fileLayers.stream().filter(f -> !f.weights().isEmpty()).toList();
        if (stored.stream().allMatch(f -> top.containsKey(f.name()))) {
            Map<String, FileLayer> byName = new LinkedHashMap<>();
            for (FileLayer f : stored) byName.put(f.name(), f);
            for (LayerTree l : layers) {
                FileLayer f = byName.get(l.name());
                if (f != null) {
                    b.assign(l, f.weights(), "the file's layer \"" + f.name() + "\"");
                } else {
                    b.expectNone(l);
                }
            }
        } else {
            b.byPosition(layers, stored);
        }
        return b.out;
    }

    /** Keras' fallback: the i-th layer with weights gets the i-th stored layer's weights. */
    private void byPosition(List<LayerTree> layers, List<FileLayer> stored) {
        List<LayerTree> weighted = new ArrayList<>();
        for (LayerTree l : layers) {
            int n = expectedCount(l);
            if (n < 0) {
                throw new ModelFileException(file + ": the file's layer names " + names(stored) + " do not all match the"
                        + " config's, and weights cannot be matched by position because kdnn does not know how many"
                        + " weights " + l.describe() + " has");
            }
            if (n > 0) weighted.add(l);
        }
        if (weighted.size() != stored.size()) {
            throw new ModelFileException(file + ": layer count mismatch when loading weights from file: the model"
                    + " expects " + weighted.size() + " layers with weights, the file has " + stored.size() + " "
                    + names(stored) + " (and their names do not match the config's)");
        }
        for (int i = 0; i < weighted.size(); i++) {
            assign(weighted.get(i), stored.get(i).weights(), "the file's layer #" + i + " \"" + stored.get(i).name()
                    + "\" (matched by position)");
        }
    }

    private static List<String> names(List<FileLayer> layers) {
        return layers.stream().map(FileLayer::name).toList();
    }

    /** TF.js: every weight's name ends in "layer/weight"; the layer name finds the layer anywhere in the tree. */
    static Map<String, List<Weight>> byWeightNames(String file, List<LayerTree> layers, List<FileWeight> weights) {
        WeightBinder b = new WeightBinder(file, 2);
        Map<String, List<FileWeight>> perLeaf = b.distribute(layers, weights, "the weights manifest");
        for (LayerTree leaf : LayerTree.leaves(layers)) {
            List<FileWeight> mine = perLeaf.get(leaf.path());
            b.put(leaf, mine == null ? List.of() : mine, "the weights manifest");
        }
        return b.out;
    }

    private void assign(LayerTree l, List<FileWeight> weights, String source) {
        if (!l.isModel()) {
            put(l, weights, source);
            return;
        }
        Map<String, List<FileWeight>> perLeaf = distribute(l.children(), weights, source);
        for (LayerTree leaf : LayerTree.leaves(l.children())) {
            List<FileWeight> mine = perLeaf.get(leaf.path());
            put(leaf, mine == null ? List.of() : mine, source);
        }
    }

    /** Weights to the leaves they name, each leaf's in the order given. */
    private Map<String, List<FileWeight>> distribute(List<LayerTree> layers, List<FileWeight> weights, String source) {
        Map<String, List<LayerTree>> byName = LayerTree.leavesByName(layers);
        Map<String, List<FileWeight>> out = new LinkedHashMap<>();
        for (FileWeight w : weights) {
            String[] parts = stripIndex(w.name()).split("/");
            if (parts.length < 2) {
                throw new ModelFileException(file + ": " + source + " holds weight \"" + w.name() + "\", whose name does"
                        + " not say its layer (\"layer/weight\")");
            }
            List<LayerTree> candidates = byName.get(parts[parts.length - 2]);
            for (int k = parts.length - 3; candidates == null && k >= 0; k--) {
                // a recurrent layer's weights are its cell's ("lstm/lstm_cell/kernel"), a Bidirectional's its
                // layers' ("bi/forward_lstm/lstm_cell/kernel"): the nearest segment naming a layer
                if (byName.containsKey(parts[k])) {
                    parts = java.util.Arrays.copyOf(parts, k + 2);
                    candidates = byName.get(parts[k]);
                }
            }
            LayerTree leaf = candidates == null ? null : candidates.size() == 1 ? candidates.get(0)
                    : byPrefix(candidates, parts);
            if (leaf == null) {
                throw new ModelFileException(file + ": " + source + " holds weight \"" + w.name() + "\", but "
                        + (candidates == null ? "no layer of the config is named \"" + parts[parts.length - 2] + "\""
                        : "several layers are named \"" + parts[parts.length - 2] + "\" and its path tells none apart"));
            }
            out.computeIfAbsent(leaf.path(), k -> new ArrayList<>()).add(w);
        }
        return out;
    }

    private static LayerTree byPrefix(List<LayerTree> candidates, String[] parts) {
        String prefix = String.join("/", java.util.Arrays.copyOf(parts, parts.length - 1));
        LayerTree found = null;
        for (LayerTree c : candidates) {
            if (prefix.equals(c.path()) || prefix.endsWith("/" + c.path()) || c.path().endsWith("/" + prefix)) {
                if (found != null) return null;
                found = c;
            }
        }
        return found;
    }

    private void put(LayerTree leaf, List<FileWeight> weights, String source) {
        List<String> expected = WeightLayouts.names(leaf.className(), leaf.config(), kerasMajor);
        if (expected != null && expected.size() != weights.size()) {
            throw new ModelFileException(file + ": " + leaf.describe() + " has " + expected.size() + " weights in Keras "
                    + expected + ", but " + source + " gives it " + weights.size() + " "
                    + weights.stream().map(FileWeight::name).toList());
        }
        if (weights.isEmpty()) {
            return;
        }
        List<Weight> named = new ArrayList<>();
        for (FileWeight w : weights) {
            named.add(w.weight().withName(shortName(w.name())));
        }
        out.put(leaf.path(), named);
    }

    private void expectNone(LayerTree l) {
        List<LayerTree> leaves = new ArrayList<>();
        l.collectLeaves(leaves);
        for (LayerTree leaf : leaves) put(leaf, List.of(), "the file");
    }

    /** How many weights a layer (or a nested model, all its layers) has; -1 when kdnn does not know its class. */
    private int expectedCount(LayerTree l) {
        if (!l.isModel()) {
            List<String> names = WeightLayouts.names(l.className(), l.config(), kerasMajor);
            return names == null ? -1 : names.size();
        }
        int n = 0;
        for (LayerTree c : l.children()) {
            int k = expectedCount(c);
            if (k < 0) return -1;
            n += k;
        }
        return n;
    }

    /** "conv1/kernel:0" -> "conv1/kernel": tf.keras' variable names carry the output index. */
    static String stripIndex(String name) {
        int colon = name.lastIndexOf(':');
        return colon > 0 && name.substring(colon + 1).chars().allMatch(Character::isDigit) ? name.substring(0, colon) : name;
    }

    static String shortName(String name) {
        String s = stripIndex(name);
        return s.substring(s.lastIndexOf('/') + 1);
    }
}
