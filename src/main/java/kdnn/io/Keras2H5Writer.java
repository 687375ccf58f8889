package kdnn.io;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;

/**
 * Writes a Keras 2 full-model HDF5 file in the layout tf.keras 2.12's {@code model.save("x.h5")}
 * uses: root attributes {@code keras_version}, {@code backend}, {@code model_config}; group
 * {@code model_weights} with {@code layer_names}, one group per layer whose {@code weight_names}
 * name its datasets ({@code conv1/kernel:0}), a nested model's group holding its inner layers'
 * weights. What jHDF's writer cannot do as h5py does is listed in {@link Models#save}.
 */
final class Keras2H5Writer {
    static final String KERAS_VERSION = "2.12.0";
    static final String BACKEND = "tensorflow";

    private Keras2H5Writer() {
    }

    static void write(Model model, Path file) {
        try (WritableHdfFile h5 = HdfFile.write(file)) {
            h5.putAttribute("keras_version", KERAS_VERSION);
            h5.putAttribute("backend", BACKEND);
            h5.putAttribute("model_config", ModelConfigs.toConfig(model).toString());
            WritableGroup weights = h5.putGroup("model_weights");
            List<Object> layers = SavedLayers.layers(model);
            weights.putAttribute("layer_names", layers.stream().map(SavedLayers::name).toArray(String[]::new));
            weights.putAttribute("backend", BACKEND);
            weights.putAttribute("keras_version", KERAS_VERSION);
            Set<String> names = new HashSet<>();
            for (Object layer : layers) {
                String name = SavedLayers.name(layer);
                if (!names.add(name) || name.equals("top_level_model_weights")) {
                    throw new IllegalArgumentException("model \"" + model.name() + "\" has two layers named \"" + name
                            + "\" (or one named as the file's own group); Keras' HDF5 layout keys layers by name");
                }
                layerGroup(weights.putGroup(name), SavedLayers.weights(layer));
            }
            weights.putGroup("top_level_model_weights");
        }
    }

    /**
     * weight_names and the datasets they name. tf.keras writes an empty float64 array for a layer
     * without weights, which jHDF cannot write; the attribute is left out instead, which Keras'
     * reader and kdnn's take as no weights.
     */
    private static void layerGroup(WritableGroup g, List<SavedLayers.LayerWeight> weights) {
        if (weights.isEmpty()) return;
        g.putAttribute("weight_names", weights.stream().map(SavedLayers.LayerWeight::keras2Name).toArray(String[]::new));
        for (SavedLayers.LayerWeight w : weights) {
            WritableGroup layer = g.getChild(w.layer().name()) instanceof WritableGroup existing ? existing
                    : g.putGroup(w.layer().name());
            layer.putDataset(w.weight().name() + ":0", Hdf5Writing.nested(w.weight()));
        }
    }
}
