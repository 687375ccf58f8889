package kdnn.io;

import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import kdnn.layers.Weight;

/**
 * The layer groups of Keras' HDF5 weights layout: {@code model_weights} of a full-model file, or
 * the root of a {@code save_weights} file. The group's {@code layer_names} lists the layers in
 * model order; each layer's {@code weight_names} lists its datasets in {@code get_weights()}
 * order, which is not the order HDF5 lists them in.
 */
final class Keras2Weights {
    private Keras2Weights() {
    }

    /** One weight as the file names it ("conv1/kernel:0", or "conv_a/kernel:0" inside a nested model's group). */
    record FileWeight(String name, Weight weight) {
        int[] shape() {
            return weight.shape();
        }
    }

    /** One entry of layer_names with its weights. */
    record FileLayer(String name, List<FileWeight> weights) {
    }

    static boolean holdsLayers(Hdf5 h5, Group g) {
        return g.getAttribute("layer_names") != null || g.getAttribute("layer_names0") != null;
    }

    static List<FileLayer> read(Hdf5 h5, Group g, List<String> notes) {
        List<String> names = h5.stringList(g, "layer_names");
        if (names == null) {
            throw new ModelFileException(h5.file + ": " + Hdf5.where(g) + " has no \"layer_names\" attribute, so it is"
                    + " not Keras' weights layout");
        }
        List<FileLayer> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (!seen.add(name)) {
                throw new ModelFileException(h5.file + ": layer_names lists \"" + name + "\" twice");
            }
            Group layer = Hdf5.childGroup(g, name);
            if (layer == null) {
                throw new ModelFileException(h5.file + ": layer_names lists \"" + name + "\", which has no group in "
                        + Hdf5.where(g));
            }
            out.add(new FileLayer(name, layerWeights(h5, layer, name, notes)));
        }
        return out;
    }

    private static List<FileWeight> layerWeights(Hdf5 h5, Group layer, String name, List<String> notes) {
        List<String> weightNames = h5.stringList(layer, "weight_names");
        if (weightNames == null) {
            // Keras' own reader takes a missing weight_names as none (kdnn's writer leaves it out: jHDF cannot write an empty array)
            weightNames = List.of();
        }
        List<FileWeight> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String w : weightNames) {
            if (!seen.add(w)) {
                throw new ModelFileException(h5.file + ": layer \"" + name + "\": weight_names lists \"" + w + "\" twice");
            }
            Node n = find(layer, w);
            if (!(n instanceof Dataset ds)) {
                throw new ModelFileException(h5.file + ": layer \"" + name + "\": weight_names lists \"" + w + "\", which is"
                        + (n == null ? " not in the file" : " a group, not a dataset"));
            }
            out.add(new FileWeight(w, h5.floats(ds, w, "layer \"" + name + "\" weight \"" + w + "\"", notes)));
        }
        return out;
    }

    /** The node at a relative path of '/'-separated names, or null. */
    private static Node find(Group g, String path) {
        Node n = g;
        for (String part : path.split("/")) {
            if (part.isEmpty()) continue;
            if (!(n instanceof Group group)) return null;
            n = group.getChildren().get(part);
            if (n == null) return null;
        }
        return n == g ? null : n;
    }
}
