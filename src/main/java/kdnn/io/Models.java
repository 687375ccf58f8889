package kdnn.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kdnn.layers.KerasVersion;
import kdnn.layers.Layer;
import kdnn.layers.Shapes;
import kdnn.layers.Weight;
import kdnn.layers.WeightSpec;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;

/**
 * The one entry point for model files: a Keras 2 HDF5 file, a Keras 3 {@code .keras} archive
 * (or the legacy {@code .h5} Keras 3 writes), a TensorFlow.js {@code model.json} (or its folder),
 * or a bare config with a weights file. The format is told by content. A model read from a Keras 3
 * file computes with Keras 3's definitions where they differ from Keras 2's (see {@link KerasVersion}).
 */
public final class Models {
    private Models() {
    }

    /**
     * Loads a model file or a folder holding {@code model.json}, {@code model.keras} or {@code model.h5}, or
     * Keras 3's unzipped save ({@code config.json}, {@code metadata.json}, {@code model.weights.h5}: what
     * {@code model.save(path, zipped=False)} writes and the Hugging Face Hub holds).
     *
     * @throws IOException for a missing or unreadable file
     * @throws IllegalArgumentException for a malformed file or a model kdnn cannot run (see {@link ModelFileException})
     */
    public static Model load(Path path) throws IOException {
        return build(ModelReader.read(path), path.toString());
    }

    /**
     * Loads a model file from a stream (an HDF5 file, a {@code .keras} archive or a TF.js JSON); reads
     * it, without closing it.
     *
     * @throws IOException when the stream cannot be read
     * @throws IllegalArgumentException for a malformed file or a model kdnn cannot run ({@link ModelFileException},
     *         naming the member and what is wrong)
     */
    public static Model load(InputStream in) throws IOException {
        return build(ModelReader.read(in), "stream");
    }

    /**
     * Loads a model file from its bytes.
     *
     * @throws IOException not in practice (the bytes are in memory)
     * @throws IllegalArgumentException for a malformed file or a model kdnn cannot run ({@link ModelFileException},
     *         naming the member and what is wrong)
     */
    public static Model load(byte[] bytes) throws IOException {
        return build(ModelReader.read(bytes), "bytes");
    }

    /**
     * Loads a bare config ({@code model.to_json()}) with a weights file ({@code save_weights}).
     *
     * @throws IOException for a missing or unreadable file
     * @throws IllegalArgumentException for a malformed file or a model kdnn cannot run ({@link ModelFileException},
     *         naming the member and what is wrong)
     */
    public static Model load(Path config, Path weights) throws IOException {
        return build(ModelReader.read(config, weights), config.toString());
    }

    /**
     * Saves a model in the format its file name says, each as Keras' own writer lays it out:
     * <ul>
     * <li>{@code .keras}: Keras 3's zip (metadata.json, config.json in Keras 3's serialization
     * form, model.weights.h5 keyed by layer class, laid out as h5py lays it out), read back with
     * Keras 3's definitions;</li>
     * <li>{@code .h5}: Keras 2's full-model HDF5 as tf.keras 2.12 writes it through h5py 3
     * (root attributes keras_version, backend, model_config; model_weights with layer_names and
     * weight_names, an empty float64 array for a layer without weights), with h5py's structures
     * and attribute types: superblock 0, groups as symbol tables, variable-length strings in a
     * global heap, float32 datasets stored contiguously, as the HDF5 library and jHDF read them;</li>
     * <li>a folder, or a path ending in {@code model.json} or {@code .json}: TensorFlow.js'
     * layers format (model.json and weights.bin beside it).</li>
     * </ul>
     * A layer loaded from a Keras 2 file keeps Keras 2's definitions (and one from a Keras 3
     * file Keras 3's); where the target format's Keras version would compute it differently
     * (hard_sigmoid, a BatchNormalization epsilon below 1.001e-5, Conv3DTranspose dilation) or
     * refuse it (depthwise or separable strides with dilation), the save is refused.
     *
     * @throws IllegalArgumentException for an unknown extension, or a model the format cannot hold
     * @throws IOException when the file cannot be written
     */
    public static void save(Model model, Path path) throws IOException {
        java.util.Objects.requireNonNull(model, "model");
        String file = path.getFileName() == null ? "" : path.getFileName().toString();
        String lower = file.toLowerCase(java.util.Locale.ROOT);
        if (model.isClosed()) {
            throw new IllegalStateException("model \"" + model.name() + "\" is closed");
        }
        if (lower.endsWith(".keras")) {
            SaveRules.check(model, KerasVersion.KERAS_3, ".keras");
            Keras3Writer.write(model, path);
            verifyReadable(path);
        } else if (lower.endsWith(".h5") || lower.endsWith(".hdf5")) {
            SaveRules.check(model, KerasVersion.KERAS_2, ".h5");
            Keras2H5Writer.write(model, path);
            verifyReadable(path);
        } else if (lower.endsWith(".json")) {
            SaveRules.check(model, KerasVersion.KERAS_2, "TF.js");
            if (!lower.equals("model.json")) {
                throw new IllegalArgumentException("path: a TF.js model is saved as model.json (with weights.bin beside"
                        + " it); got \"" + file + "\"");
            }
            kdnn.model.ModelFiles.save(model, path.toAbsolutePath().getParent());
        } else if (Files.isDirectory(path) || !file.contains(".")) {
            SaveRules.check(model, KerasVersion.KERAS_2, "TF.js");
            kdnn.model.ModelFiles.save(model, path);
        } else {
            throw new IllegalArgumentException("path: cannot tell the format from \"" + file + "\"; expected a name"
                    + " ending in .keras (Keras 3), .h5 (Keras 2) or model.json, or a folder (TensorFlow.js)");
        }
    }

    /**
     * Reads a written HDF5-based file back (config and weights, as a load does): a file kdnn
     * cannot read itself would be a writer bug, and is deleted and refused rather than left behind.
     */
    private static void verifyReadable(Path path) throws IOException {
        try {
            ModelReader.read(path);
        } catch (RuntimeException e) {
            Files.deleteIfExists(path);
            throw new IOException(path + ": the file written does not read back (" + e.getMessage() + "); it was deleted."
                    + " This is a bug in kdnn's HDF5 writer: please report it with the model", e);
        }
    }

    /** Refuses a bilinear UpSampling2D (at any depth) in a file whose Keras upsampled otherwise than kdnn. */
    private static void refuseBilinearUpSampling(com.fasterxml.jackson.databind.JsonNode node, String version, String file) {
        if (node.isObject() && node.path("class_name").asText().equals("UpSampling2D")
                && node.path("config").path("interpolation").asText().equals("bilinear")) {
            throw new ModelFileException(file + ": layer \"" + node.path("config").path("name").asText() + "\" (UpSampling2D)"
                    + " interpolates bilinearly, and the file was written by Keras " + version + ", whose bilinear"
                    + " upsampling is TensorFlow 1's resize_bilinear without half-pixel centres; kdnn computes TensorFlow 2's"
                    + " half-pixel rule (tf.keras on TensorFlow 2, Keras 3), so it refuses rather than give other values");
        }
        for (com.fasterxml.jackson.databind.JsonNode child : node) refuseBilinearUpSampling(child, version, file);
    }

    /**
     * The model of a file read into its neutral form.
     *
     * @param file what error messages call the file
     * @throws IllegalArgumentException for a config kdnn cannot build, or weights that do not fit it
     *         ({@link ModelFileException}: missing, unused or misshapen weights)
     */
    public static Model build(ModelSource source, String file) {
        KerasVersion rules = source.kerasMajor() == 3 ? KerasVersion.KERAS_3 : KerasVersion.KERAS_2;
        if (KerasVersions.bilinearWithoutHalfPixelCentres(source.kerasVersion())) {
            refuseBilinearUpSampling(source.modelConfig(), source.kerasVersion(), file);
        }
        Map<String, List<Weight>> weights = new LinkedHashMap<>(source.weights());
        Set<String> used = new HashSet<>();
        try {
            return ModelConfigs.build(source.modelConfig(), new ModelConfigs.WeightSource() {
                @Override
                public List<Weight> weightsFor(List<String> path, Layer layer, List<WeightSpec> expected) {
                    String key = String.join("/", path);
                    List<Weight> given = weights.get(key);
                    if (given == null) {
                        key = layer.name();
                        given = weights.get(key);
                    }
                    if (given == null) {
                        throw new ModelFileException(file + ": layer \"" + String.join("/", path) + "\" ("
                                + layer.className() + ") needs " + expected.size() + " weights "
                                + expected.stream().map(w -> w.name() + Shapes.format(w.shape())).toList()
                                + ", which the file lacks");
                    }
                    if (given.size() != expected.size()) {
                        throw new ModelFileException(file + ": layer \"" + key + "\" (" + layer.className() + ") has "
                                + expected.size() + " weights " + expected.stream().map(WeightSpec::name).toList()
                                + ", but the file gives " + given.size() + " " + given.stream().map(Weight::name).toList());
                    }
                    used.add(key);
                    // by position, as Keras sets them: Keras 3 names some differently (a depthwise "kernel")
                    List<Weight> out = new ArrayList<>();
                    for (int i = 0; i < given.size(); i++) {
                        Weight g = given.get(i);
                        WeightSpec e = expected.get(i);
                        if (!java.util.Arrays.equals(g.shape(), e.shape())) {
                            throw new ModelFileException(file + ": layer \"" + key + "\" weight " + i + " ('" + e.name()
                                    + "') has shape " + Shapes.format(e.shape()) + " in the config, but the file gives '"
                                    + g.name() + "' of shape " + Shapes.format(g.shape()));
                        }
                        out.add(g.withName(e.name()));
                    }
                    return out;
                }

                @Override
                public List<String> unused() {
                    List<String> left = new ArrayList<>(weights.keySet());
                    left.removeAll(used);
                    return left;
                }

                @Override
                public int[] shapeOf(String layer, String weight) {
                    for (var e : weights.entrySet()) {
                        if (e.getKey().equals(layer) || e.getKey().endsWith("/" + layer)) {
                            for (Weight w : e.getValue()) {
                                if (w.name().equals(weight)) return w.shape();
                            }
                        }
                    }
                    return null;
                }
            }, rules);
        } catch (ModelFileException | kdnn.layers.UnknownLayerException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file + ": " + e.getMessage(), e);
        }
    }
}
