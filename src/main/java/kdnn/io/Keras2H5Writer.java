package kdnn.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import kdnn.io.Hdf5Tree.Group;
import kdnn.io.Hdf5Tree.VarStrings;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;

/**
 * Writes a Keras 2 full-model HDF5 file as tf.keras 2.12's {@code model.save("x.h5")} does
 * through h5py 3: root attributes {@code keras_version}, {@code backend} (Python strings:
 * variable-length UTF-8) and {@code model_config} (JSON bytes: variable-length ASCII, in
 * {@code json.dumps}' spacing and escaping); group {@code model_weights} with
 * {@code layer_names} (a list of bytes: variable-length ASCII strings), {@code backend},
 * {@code keras_version} (bytes: ASCII), one group per layer whose {@code weight_names} name its
 * datasets ({@code conv1/kernel:0}), a nested model's group holding its inner layers' weights, and
 * an empty {@code top_level_model_weights}. (h5py 2 stored the name lists as fixed-length
 * strings; Keras and kdnn read both.)
 */
final class Keras2H5Writer {
    static final String KERAS_VERSION = "2.12.0";
    static final String BACKEND = "tensorflow";
    /** Keras' HDF5_OBJECT_HEADER_LIMIT: an attribute array over this many bytes is split into numbered chunks. */
    static final int ATTRIBUTE_LIMIT = 64512;
    /** The bytes a variable-length string takes in an attribute: its length and global heap ID. */
    private static final int VAR_STRING_REFERENCE = 16;
    private static final ObjectWriter CONFIG_JSON = new ObjectMapper().writer(new PythonSpacing())
            .with(JsonGenerator.Feature.ESCAPE_NON_ASCII);

    private Keras2H5Writer() {
    }

    static void write(Model model, Path file) throws IOException {
        Hdf5Writer.write(tree(model), file);
    }

    static Group tree(Model model) throws IOException {
        Group root = new Group();
        root.attribute("keras_version", VarStrings.scalar(KERAS_VERSION, true));
        root.attribute("backend", VarStrings.scalar(BACKEND, true));
        root.attribute("model_config", VarStrings.scalar(CONFIG_JSON.writeValueAsString(TfOpLambdaWriter.written(ModelConfigs.toConfig(model))), false));
        Group weights = root.group("model_weights");
        List<Object> layers = SavedLayers.layers(model);
        stringList(weights, "layer_names", layers.stream().map(SavedLayers::name).toList());
        weights.attribute("backend", VarStrings.scalar(BACKEND, false));
        weights.attribute("keras_version", VarStrings.scalar(KERAS_VERSION, false));
        Set<String> names = new HashSet<>();
        for (Object layer : layers) {
            String name = SavedLayers.name(layer);
            if (!names.add(name) || name.equals("top_level_model_weights")) {
                throw new IllegalArgumentException("model \"" + model.name() + "\" has two layers named \"" + name
                        + "\" (or one named as the file's own group); Keras' HDF5 layout keys layers by name");
            }
            layerGroup(weights.group(name), SavedLayers.weights(layer));
        }
        layerGroup(weights.group("top_level_model_weights"), List.of());
        return root;
    }

    /** weight_names (an empty float64 array for none, as tf.keras writes it) and the datasets they name. */
    private static void layerGroup(Group g, List<SavedLayers.LayerWeight> weights) {
        stringList(g, "weight_names", weights.stream().map(SavedLayers.LayerWeight::keras2Name).toList());
        for (SavedLayers.LayerWeight w : weights) g.dataset(w.keras2Name(), w.weight().shape(), w.values());
    }

    /**
     * Keras' {@code save_attributes_to_hdf5_group}, as h5py 3 stores what it is given: the list of
     * names (bytes) as one array of variable-length ASCII strings; when the names as a numpy
     * {@code S<longest>} array would pass {@link #ATTRIBUTE_LIMIT} bytes, that array split
     * (numpy's {@code array_split}) into as few chunks {@code name0}, {@code name1}, ... as fit,
     * each stored as fixed-length strings as wide as the longest name. No names is numpy's empty
     * float64 array. Where Keras' own rule would leave one array whose variable-length form passes
     * HDF5's 64 KiB header message limit (thousands of short names, where h5py fails), it is
     * split likewise.
     */
    static void stringList(Group g, String name, List<String> values) {
        if (values.isEmpty()) {
            g.attribute(name, new Hdf5Tree.EmptyFloat64());
            return;
        }
        int width = 1;
        for (String v : values) width = Math.max(width, v.getBytes(StandardCharsets.UTF_8).length);
        if (width > ATTRIBUTE_LIMIT) {
            throw new IllegalArgumentException("attribute \"" + name + "\" holds a name of " + width + " bytes; Keras' HDF5"
                    + " files hold names of at most " + ATTRIBUTE_LIMIT);
        }
        int chunks = chunks(values.size(), width);
        if (chunks == 1 && (long) values.size() * VAR_STRING_REFERENCE <= ATTRIBUTE_LIMIT) {
            g.attribute(name, VarStrings.array(values, false));
            return;
        }
        if (chunks == 1) chunks = chunks(values.size(), Math.max(width, VAR_STRING_REFERENCE));
        int from = 0;
        for (int c = 0; c < chunks; c++) {
            int size = values.size() / chunks + (c < values.size() % chunks ? 1 : 0); // numpy's array_split
            g.attribute(name + c, new Hdf5Tree.FixedStrings(values.subList(from, from + size), width));
            from += size;
        }
    }

    /** Keras' loop: the fewest chunks whose largest ({@code ceil(n / chunks)} names) fits the limit. */
    private static int chunks(int n, int width) {
        int chunks = 1;
        while ((long) ((n + chunks - 1) / chunks) * width > ATTRIBUTE_LIMIT) chunks++;
        return chunks;
    }

    /** Python's {@code json.dumps} spacing, which Keras' model_config has: ", " between items, ": " after keys. */
    private static final class PythonSpacing extends MinimalPrettyPrinter {
        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }
    }
}
