package kdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jhdf.api.Group;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kdnn.layers.Weight;

/**
 * Reads any Keras model file into a {@link ModelSource}: Keras 2 full-model HDF5, the legacy
 * HDF5 Keras 3 writes, Keras 3's .keras zip, TensorFlow.js' model.json with its weight shards,
 * and a bare config ({@code model.to_json()}) with or without a separate weights file. The
 * format is told by content, not by file name. Everything is read and checked before a source
 * is returned; any refusal is a {@link ModelFileException} naming the file, the layer and what
 * is wrong.
 */
public final class ModelReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The files a model folder may hold, in the order they are looked for. */
    private static final List<String> FOLDER_FILES = List.of("model.json", "model.keras", "model.h5");
    private static final long JSON_CAP = 256L << 20;
    private static final long WEIGHTS_CAP = Integer.MAX_VALUE - 64;
    private static final String KERAS3_CONFIG = "config.json";
    private static final String KERAS3_METADATA = "metadata.json";
    private static final String KERAS3_WEIGHTS = "model.weights.h5";

    private ModelReader() {
    }

    /**
     * A model file, or a folder holding model.json, model.keras or model.h5 (looked for in that order),
     * or Keras 3's unzipped save (config.json, metadata.json and model.weights.h5: {@code
     * model.save(path, zipped=False)}, as Keras saves to the Hugging Face Hub).
     */
    public static ModelSource read(Path path) throws IOException {
        if (isKeras3Folder(path)) return keras3Folder(path);
        Path file = modelFile(path);
        String label = label(file);
        byte[] head = head(file);
        if (Hdf5.isHdf5(head)) {
            try (Hdf5 h5 = Hdf5.open(file, label, Files.size(file))) {
                return Hdf5.guarded(label, () -> fullModelH5(h5));
            }
        }
        if (isZip(head)) {
            try (InputStream in = Files.newInputStream(file)) {
                return keras3Zip(in, label);
            }
        }
        if (Files.size(file) > JSON_CAP) {
            throw new ModelFileException(label + ": neither HDF5 nor zip, and too large (" + Files.size(file)
                    + " bytes) for a JSON model file");
        }
        return json(parse(Files.readAllBytes(file), label), file.toAbsolutePath().getParent(), label);
    }

    /** A model file's bytes from a stream (read to its end). TF.js' model.json needs its folder: use a Path. */
    public static ModelSource read(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes((int) WEIGHTS_CAP + 1);
        if (bytes.length > WEIGHTS_CAP) {
            throw new ModelFileException("<stream>: longer than the " + WEIGHTS_CAP + " bytes kdnn reads from a stream");
        }
        return read(bytes, "<stream>");
    }

    /** A model file's bytes. */
    public static ModelSource read(byte[] bytes) throws IOException {
        return read(bytes, "<bytes>");
    }

    private static ModelSource read(byte[] bytes, String label) throws IOException {
        if (Hdf5.isHdf5(bytes)) {
            try (Hdf5 h5 = Hdf5.open(bytes, label)) {
                return Hdf5.guarded(label, () -> fullModelH5(h5));
            }
        }
        if (isZip(bytes)) {
            return keras3Zip(new ByteArrayInputStream(bytes), label);
        }
        return json(parse(bytes, label), null, label);
    }

    /**
     * A bare model config ({@code model.to_json()}, also Keras 2.1's Sequential as a list of
     * layers, or a TF.js model.json's topology) with its weights in a separate file: a weights-only
     * HDF5 from {@code save_weights} (matched by layer name, or by position where the names
     * differ, as Keras does), a Keras 3 {@code .weights.h5}, or a full-model HDF5 whose weights
     * are used.
     */
    public static ModelSource read(Path config, Path weights) throws IOException {
        String configLabel = label(config);
        if (!Files.isRegularFile(config)) {
            throw new NoSuchFileException(config.toString(), null, "no model config file");
        }
        if (Files.size(config) > JSON_CAP) {
            throw new ModelFileException(configLabel + ": too large (" + Files.size(config) + " bytes) for a model config");
        }
        JsonNode root = parse(Files.readAllBytes(config), configLabel);
        JsonNode modelConfig = Tfjs.isTfjs(root) ? Tfjs.topology(root, configLabel) : root;
        String version = root.isObject() && root.path("keras_version").isTextual() ? root.get("keras_version").asText()
                : Tfjs.isTfjs(root) ? Tfjs.kerasVersion(root) : null;
        refuseOldKeras(configLabel, version, root.isObject() ? root.path("backend").asText(null) : null);
        boolean keras3Config = modelConfig.isObject() && modelConfig.has("module");
        JsonNode normalized = ConfigNormalizer.normalize(modelConfig, configLabel);
        List<LayerTree> tree = LayerTree.of(normalized);

        String label = label(weights);
        if (!Files.isRegularFile(weights)) {
            throw new NoSuchFileException(weights.toString(), null, "no weights file");
        }
        if (!Hdf5.isHdf5(head(weights))) {
            throw new ModelFileException(label + ": not an HDF5 file (a weights file from save_weights is HDF5)");
        }
        List<String> notes = new ArrayList<>();
        try (Hdf5 h5 = Hdf5.open(weights, label, Files.size(weights))) {
            return Hdf5.guarded(label, () -> {
                Group root5 = h5.root();
                String fileVersion = h5.string(root5, "keras_version");
                refuseOldKeras(label, fileVersion, h5.string(root5, "backend"));
                String v = version != null ? version : fileVersion;
                Map<String, List<Weight>> bound;
                boolean keras3;
                if (Keras3Weights.isKeras3Layout(root5) && !Keras2Weights.holdsLayers(h5, root5)) {
                    bound = Keras3Weights.read(h5, tree, isSequential(normalized), notes);
                    keras3 = true;
                } else {
                    Group g = Keras2Weights.holdsLayers(h5, root5) ? root5 : Hdf5.childGroup(root5, "model_weights");
                    if (g == null) {
                        throw new ModelFileException(label + ": holds neither Keras' weights layout (\"layer_names\") nor"
                                + " Keras 3's (\"layers/.../vars\")");
                    }
                    keras3 = KerasVersions.major(v) == 3;
                    bound = WeightBinder.byLayerGroups(label, tree, Keras2Weights.read(h5, g, notes), keras3 ? 3 : 2);
                }
                String format = keras3 || keras3Config || KerasVersions.major(v) == 3 ? "keras3-json" : "keras-json";
                return new ModelSource(format, v, normalized, bound, notes);
            });
        }
    }

    private static Path modelFile(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            for (String name : FOLDER_FILES) {
                if (Files.isRegularFile(path.resolve(name))) return path.resolve(name);
            }
            throw new NoSuchFileException(path.toString(), null, "folder holds none of " + FOLDER_FILES);
        }
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "no model file");
        }
        return path;
    }

    private static String label(Path file) {
        Path name = file.getFileName();
        Path parent = file.toAbsolutePath().getParent();
        Path folder = parent == null ? null : parent.getFileName();
        return folder == null ? String.valueOf(name) : folder + "/" + name;
    }

    private static byte[] head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(8);
        }
    }

    private static boolean isZip(byte[] head) {
        return head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
    }

    private static JsonNode parse(byte[] bytes, String label) {
        try {
            JsonNode n = JSON.readTree(bytes);
            if (n == null || n.isMissingNode()) {
                throw new ModelFileException(label + ": empty; expected HDF5, a zip or JSON");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new ModelFileException(label + ": neither HDF5, a zip nor valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelFileException(label + ": unreadable JSON: " + e.getMessage(), e);
        }
    }

    /** Keras 2 full-model HDF5, or the legacy HDF5 Keras 3 writes: the config in root attributes, weights in model_weights. */
    private static ModelSource fullModelH5(Hdf5 h5) {
        Group root = h5.root();
        String version = h5.string(root, "keras_version");
        refuseOldKeras(h5.file, version, h5.string(root, "backend"));
        String configJson = h5.string(root, "model_config");
        if (configJson == null) {
            throw new ModelFileException(h5.file + ": holds no \"model_config\" attribute: it is a weights-only file"
                    + " (save_weights); read it together with the model's config: ModelReader.read(config, weights)");
        }
        JsonNode normalized = ConfigNormalizer.normalize(parse(configJson.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                h5.file + " (model_config)"), h5.file);
        int major = KerasVersions.major(version) == 3 ? 3 : 2;
        Group weights = Hdf5.childGroup(root, "model_weights");
        if (weights == null) {
            throw new ModelFileException(h5.file + ": has a model_config but no \"model_weights\" group");
        }
        List<String> notes = new ArrayList<>();
        Map<String, List<Weight>> bound = WeightBinder.byLayerGroups(h5.file, LayerTree.of(normalized),
                Keras2Weights.read(h5, weights, notes), major);
        return new ModelSource(major == 3 ? "keras3-h5" : "keras2-h5", version, normalized, bound, notes);
    }

    private static void refuseOldKeras(String file, String version, String backend) {
        if (KerasVersions.major(version) == 1) {
            throw new ModelFileException(file + ": written by Keras " + version + "; kdnn does not read Keras 1 files"
                    + " (load and re-save it with Keras 2 or later)");
        }
        if (version != null && KerasVersions.major(version) > 3) {
            throw new ModelFileException(file + ": written by Keras " + version + "; kdnn reads Keras 2 and 3 files");
        }
        if ("theano".equalsIgnoreCase(backend)) {
            throw new ModelFileException(file + ": written with the Theano backend, whose convolution kernels are"
                    + " stored flipped; kdnn does not read Theano files (re-save it with the TensorFlow backend)");
        }
    }

    /** A folder of Keras 3's unzipped save: config.json beside model.weights.h5 (or the npz Keras can write instead). */
    private static boolean isKeras3Folder(Path path) {
        if (!Files.isDirectory(path)) return false;
        for (String name : FOLDER_FILES) if (Files.isRegularFile(path.resolve(name))) return false;
        return Files.isRegularFile(path.resolve(KERAS3_CONFIG)) && (Files.isRegularFile(path.resolve(KERAS3_WEIGHTS))
                || Files.isRegularFile(path.resolve("model.weights.npz")));
    }

    /** Keras 3's unzipped save: the members of a .keras zip as files, the weights read from their file. */
    private static ModelSource keras3Folder(Path dir) throws IOException {
        String label = label(dir.resolve(KERAS3_CONFIG)).replace("/" + KERAS3_CONFIG, "");
        Path weights = dir.resolve(KERAS3_WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            throw new ModelFileException(label + ": Keras 3's unzipped save with its weights as model.weights.npz; kdnn"
                    + " reads the default model.weights.h5 (save it with weights_format=\"h5\", or as .keras)");
        }
        for (String name : List.of(KERAS3_METADATA, KERAS3_CONFIG)) {
            Path f = dir.resolve(name);
            if (!Files.isRegularFile(f)) {
                throw new NoSuchFileException(f.toString(), null, "Keras 3's unzipped save lacks " + name);
            }
            if (Files.size(f) > JSON_CAP) {
                throw new ModelFileException(label + "/" + name + ": too large (" + Files.size(f) + " bytes) for JSON");
            }
        }
        JsonNode metadata = parse(Files.readAllBytes(dir.resolve(KERAS3_METADATA)), label + "/" + KERAS3_METADATA);
        JsonNode config = parse(Files.readAllBytes(dir.resolve(KERAS3_CONFIG)), label + "/" + KERAS3_CONFIG);
        String weightsLabel = label + "/" + KERAS3_WEIGHTS;
        try (Hdf5 h5 = Hdf5.open(weights, weightsLabel, Files.size(weights))) {
            return keras3(metadata, config, h5, label, weightsLabel, "keras3-folder");
        }
    }

    private static ModelSource keras3Zip(InputStream in, String label) throws IOException {
        Map<String, Long> caps = new LinkedHashMap<>();
        caps.put(KERAS3_METADATA, JSON_CAP);
        caps.put(KERAS3_CONFIG, JSON_CAP);
        caps.put(KERAS3_WEIGHTS, WEIGHTS_CAP);
        Map<String, byte[]> members = SafeZip.read(in, label, caps, WEIGHTS_CAP + 2 * JSON_CAP);
        for (String name : caps.keySet()) {
            if (!members.containsKey(name)) {
                throw new ModelFileException(label + ": the .keras zip has no member \"" + name + "\" (it holds "
                        + members.keySet() + " of " + caps.keySet() + ")");
            }
        }
        JsonNode metadata = parse(members.get(KERAS3_METADATA), label + "/" + KERAS3_METADATA);
        JsonNode config = parse(members.get(KERAS3_CONFIG), label + "/" + KERAS3_CONFIG);
        String weightsLabel = label + "/" + KERAS3_WEIGHTS;
        try (Hdf5 h5 = Hdf5.open(members.get(KERAS3_WEIGHTS), weightsLabel)) {
            return keras3(metadata, config, h5, label, weightsLabel, "keras3-zip");
        }
    }

    /** A Keras 3 save's three parts, from a zip or a folder: the version checked, the config read, the weights bound. */
    private static ModelSource keras3(JsonNode metadata, JsonNode config, Hdf5 h5, String label, String weightsLabel,
                                      String format) throws IOException {
        JsonNode v = metadata.get("keras_version");
        if (v == null || !v.isTextual()) {
            throw new ModelFileException(label + "/" + KERAS3_METADATA + ": has no \"keras_version\" string");
        }
        String version = v.asText();
        if (KerasVersions.major(version) != 3) {
            throw new ModelFileException(label + "/" + KERAS3_METADATA + ": keras_version is \"" + version
                    + "\"; a .keras save comes from Keras 3");
        }
        JsonNode normalized = ConfigNormalizer.normalize(config, label + "/" + KERAS3_CONFIG);
        List<String> notes = new ArrayList<>();
        Map<String, List<Weight>> bound = Hdf5.guarded(weightsLabel,
                () -> Keras3Weights.read(h5, LayerTree.of(normalized), isSequential(normalized), notes));
        return new ModelSource(format, version, normalized, bound, notes);
    }

    private static boolean isSequential(JsonNode normalized) {
        return normalized.path("class_name").asText().equals("Sequential");
    }

    private static ModelSource json(JsonNode root, Path dir, String label) throws IOException {
        root = kdnn.model.ModelConfigs.withClassName(root); // a bare get_config() dict, as Model.from_config takes it
        if (Tfjs.isTfjs(root)) {
            String version = Tfjs.kerasVersion(root);
            JsonNode normalized = ConfigNormalizer.normalize(Tfjs.topology(root, label), label);
            List<Keras2Weights.FileWeight> weights = Tfjs.weights(root, dir, label);
            Map<String, List<Weight>> bound = WeightBinder.byWeightNames(label, LayerTree.of(normalized), weights);
            return new ModelSource("tfjs", version, normalized, bound, List.of());
        }
        if (root.isArray() || root.isObject() && root.has("class_name") && root.has("config")) {
            String version = root.isObject() && root.path("keras_version").isTextual() ? root.get("keras_version").asText()
                    : null;
            refuseOldKeras(label, version, root.isObject() ? root.path("backend").asText(null) : null);
            boolean keras3 = root.isObject() && root.has("module") || KerasVersions.major(version) == 3;
            JsonNode normalized = ConfigNormalizer.normalize(root, label);
            return new ModelSource(keras3 ? "keras3-json" : "keras-json", version, normalized, Map.of(),
                    List.of(label + ": a bare model config: no weights were read"));
        }
        throw new ModelFileException(label + ": JSON, but neither a TF.js model.json (\"modelTopology\") nor a Keras model"
                + " config (\"class_name\" and \"config\", a get_config() dict with \"layers\", or a list of layers)");
    }
}
