package kdnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.layers.Shapes;
import kdnn.layers.Weight;
import kdnn.layers.WeightSpec;

/**
 * Sequential models in TensorFlow.js' layers format ({@code model.json} with the Keras topology
 * and a weights manifest, plus {@code .bin} files of little-endian float32), and from a bare
 * Keras model config ({@code model.to_json()}) with weights given separately. Everything is
 * checked before a model is returned; on any refusal the layers made so far are closed.
 */
public final class ModelFiles {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL_JSON = "model.json";

    private ModelFiles() {
    }

    /** Loads {@code DIR/model.json} (or the given model.json file) and its weight files. */
    public static Model load(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(MODEL_JSON) : path;
        if (!Files.isRegularFile(file)) {
            throw new IOException("no model file at " + file);
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("model file " + file + " is not valid JSON: " + e.getMessage(), e);
        }
        Path dir = file.toAbsolutePath().normalize().getParent();
        JsonNode topology = root.get("modelTopology");
        if (topology == null || topology.isNull()) {
            throw new IllegalArgumentException("model file " + file + " has no \"modelTopology\"");
        }
        Map<String, Weight> weights = readWeights(root.get("weightsManifest"), dir);
        return ModelConfigs.build(topology, new ModelConfigs.WeightSource() {
            @Override
            public List<Weight> weightsFor(List<String> path, Layer layer, List<WeightSpec> expected) {
                return take(weights, layer, expected);
            }

            @Override
            public List<String> unused() {
                return leftovers(weights);
            }

            @Override
            public int[] shapeOf(String layer, String weight) {
                Weight w = weights.get(layer + "/" + weight);
                return w == null ? null : w.shape();
            }
        });
    }

    /**
     * A model from a bare Keras config ({@code model.to_json()}) and its weights as
     * {@code model.get_weights()} lists them: every layer's weights in order.
     */
    public static Model fromKerasJson(String json, List<float[]> weights) {
        JsonNode topology;
        try {
            topology = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("model config is not valid JSON: " + e.getMessage(), e);
        }
        int[] next = {0};
        return ModelConfigs.build(topology, new ModelConfigs.WeightSource() {
            @Override
            public List<Weight> weightsFor(List<String> path, Layer layer, List<WeightSpec> expected) {
                List<Weight> taken = new ArrayList<>();
                for (WeightSpec w : expected) {
                    if (next[0] >= weights.size()) {
                        throw new IllegalArgumentException("layer \"" + layer.name() + "\" needs weight '" + w.name()
                                + "' " + Shapes.format(w.shape()) + ", but only " + weights.size()
                                + " weight arrays were given");
                    }
                    float[] v = weights.get(next[0]++);
                    if (v.length != w.size()) {
                        throw new IllegalArgumentException("layer \"" + layer.name() + "\" weight '" + w.name()
                                + "' has shape " + Shapes.format(w.shape()) + " (" + w.size()
                                + " values), but weight array " + (next[0] - 1) + " has " + v.length + " values");
                    }
                    taken.add(new Weight(w.name(), w.shape(), v));
                }
                return taken;
            }

            @Override
            public List<String> unused() {
                return next[0] == weights.size() ? List.of()
                        : List.of((weights.size() - next[0]) + " weight arrays beyond what the layers need");
            }
        });
    }

    private static long[] inputLayerShape(JsonNode config) {
        JsonNode s = config.has("batch_input_shape") ? config.get("batch_input_shape") : config.get("batch_shape");
        if (s == null || !s.isArray()) {
            throw new IllegalArgumentException("InputLayer has no batch_input_shape: " + config);
        }
        long[] shape = new long[s.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = s.get(i).isNull() ? -1 : s.get(i).asLong();
        return shape;
    }

    /** Reads every weight of the manifest, keyed by its name ("layer/weight"). */
    private static Map<String, Weight> readWeights(JsonNode manifest, Path dir) throws IOException {
        Map<String, Weight> out = new LinkedHashMap<>();
        if (manifest == null || manifest.isNull()) {
            return out;
        }
        if (!manifest.isArray()) {
            throw new IllegalArgumentException("\"weightsManifest\" must be a list of groups");
        }
        for (int g = 0; g < manifest.size(); g++) {
            JsonNode group = manifest.get(g);
            List<WeightEntry> entries = new ArrayList<>();
            long need = 0;
            for (JsonNode w : group.path("weights")) {
                WeightEntry e = WeightEntry.parse(w);
                entries.add(e);
                need = Math.addExact(need, e.bytes());
            }
            ByteBuffer bytes = readGroup(group.path("paths"), dir, need, g, entries);
            for (WeightEntry e : entries) {
                float[] values = new float[Math.toIntExact(e.count())];
                bytes.asFloatBuffer().get(values);
                bytes.position(bytes.position() + values.length * Float.BYTES);
                String key = e.name().replaceFirst(":0$", "");
                if (out.put(key, new Weight(key.substring(key.lastIndexOf('/') + 1), e.shape(), values)) != null) {
                    throw new IllegalArgumentException("weight \"" + e.name() + "\" appears twice in the manifest");
                }
            }
        }
        return out;
    }

    private static ByteBuffer readGroup(JsonNode paths, Path dir, long need, int group, List<WeightEntry> entries)
            throws IOException {
        if (need > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("weight group " + group + " needs " + need + " bytes, more than kdnn reads");
        }
        ByteBuffer all = ByteBuffer.allocate((int) need).order(ByteOrder.LITTLE_ENDIAN);
        long have = 0;
        for (JsonNode p : paths) {
            Path file = dir.resolve(p.asText()).normalize();
            if (!file.startsWith(dir)) {
                throw new IllegalArgumentException("weight file path \"" + p.asText() + "\" leaves the model folder");
            }
            if (!Files.isRegularFile(file)) {
                throw new IOException("weight file " + file + " (group " + group + ") is missing");
            }
            long size = Files.size(file);
            have += size;
            if (have > need) {
                throw new IllegalArgumentException("weight files of group " + group + " hold " + have + " bytes or more,"
                        + " but the manifest lists " + need + " bytes of weights");
            }
            all.put(Files.readAllBytes(file));
        }
        if (have < need) {
            long offset = 0;
            String cut = "?";
            for (WeightEntry e : entries) {
                if (offset + e.bytes() > have) {
                    cut = e.name();
                    break;
                }
                offset += e.bytes();
            }
            throw new IllegalArgumentException("weight files of group " + group + " hold " + have + " bytes, but the"
                    + " manifest lists " + need + " bytes: weight \"" + cut + "\" is cut short");
        }
        return all.flip();
    }

    /** One manifest entry: name, shape, float32 only. */
    private record WeightEntry(String name, int[] shape, long count) {
        static WeightEntry parse(JsonNode w) {
            String name = w.path("name").asText(null);
            if (name == null) {
                throw new IllegalArgumentException("weight manifest entry without a name: " + w);
            }
            String dtype = w.path("dtype").asText("float32");
            if (!dtype.equals("float32")) {
                throw new IllegalArgumentException("weight \"" + name + "\" has dtype " + dtype + "; kdnn reads float32");
            }
            if (w.hasNonNull("quantization")) {
                throw new IllegalArgumentException("weight \"" + name + "\" is quantized; kdnn reads plain float32");
            }
            JsonNode s = w.path("shape");
            int[] shape = new int[s.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                long d = s.get(i).asLong(-1);
                if (d < 0 || d > Integer.MAX_VALUE || !s.get(i).isIntegralNumber()) {
                    throw new IllegalArgumentException("weight \"" + name + "\" has an invalid dimension " + s.get(i));
                }
                shape[i] = (int) d;
                try {
                    count = Math.multiplyExact(count, d);
                    Math.multiplyExact(count, Float.BYTES);
                } catch (ArithmeticException e) {
                    throw new IllegalArgumentException("weight \"" + name + "\" of shape " + s + " is too large");
                }
            }
            return new WeightEntry(name, shape, count);
        }

        long bytes() {
            return count * Float.BYTES;
        }
    }

    private static List<Weight> take(Map<String, Weight> weights, Layer layer, List<WeightSpec> expected) {
        List<Weight> out = new ArrayList<>();
        for (WeightSpec w : expected) {
            Weight found = weights.remove(layer.name() + "/" + w.name());
            if (found == null) {
                throw new IllegalArgumentException("layer \"" + layer.name() + "\" (" + layer.className() + ") needs weight \""
                        + layer.name() + "/" + w.name() + "\" " + Shapes.format(w.shape()) + ", which the manifest lacks");
            }
            if (!Arrays.equals(found.shape(), w.shape())) {
                throw new IllegalArgumentException("layer \"" + layer.name() + "\" weight \"" + w.name() + "\" has shape "
                        + Shapes.format(w.shape()) + ", but the manifest gives " + Shapes.format(found.shape()));
            }
            out.add(found);
        }
        return out;
    }

    private static List<String> leftovers(Map<String, Weight> weights) {
        return new ArrayList<>(weights.keySet());
    }

    /** TF.js names a stacked RNN's weights by the cells' places: {@code rnn/RNNCell_1/kernel}. */
    private static String tfjsStackedPath(kdnn.layers.StackedRNN stacked, int index) {
        int at = index;
        List<Layer> cells = stacked.cellLayers();
        for (int c = 0; c < cells.size(); c++) {
            List<Weight> own = cells.get(c).getWeights();
            if (at < own.size()) return stacked.name() + "/RNNCell_" + c + "/" + own.get(at).name();
            at -= own.size();
        }
        throw new IndexOutOfBoundsException(index);
    }

    /**
     * Writes the model as TensorFlow.js' layers format: DIR/model.json and DIR/weights.bin. The
     * topology is {@link ModelConfigs#toConfig} (a functional model's class named "Model", as
     * TF.js names it); the manifest lists every weight as {@code layer/weight}, all trainable
     * ones first, then the non-trainable ones, as TF.js orders them.
     */
    public static void save(Model model, Path dir) throws IOException {
        model.ensureOpen();
        for (Layer l : model.allLayers()) {
            if (l instanceof kdnn.layers.KerasOperation op) {
                throw new IllegalArgumentException("model \"" + model.name() + "\", layer \"" + l.name() + "\" ("
                        + l.className() + ", the operation tf." + op.tfFunction() + ") has no TF.js form: TensorFlow.js'"
                        + " Keras has no layer for it. Save it as .h5 (a TFOpLambda) or .keras (a Keras 3 operation)");
            }
            if (l instanceof kdnn.layers.BaseConvLSTM && !(l instanceof kdnn.layers.ConvLSTM2D)) {
                throw new IllegalArgumentException("model \"" + model.name() + "\", layer \"" + l.name() + "\" ("
                        + l.className() + ") has no TF.js form: TensorFlow.js' layers have ConvLSTM2D only. Save it as"
                        + " .h5 or .keras");
            }
            if (l instanceof kdnn.layers.BaseDenseAttention) {
                throw new IllegalArgumentException("model \"" + model.name() + "\", layer \"" + l.name() + "\" ("
                        + l.className() + ") has no TF.js form: TensorFlow.js' layers have no " + l.className()
                        + ". Save it as .h5 or .keras");
            }
            if (l instanceof kdnn.layers.SpectralNormalization) {
                throw new IllegalArgumentException("model \"" + model.name() + "\", layer \"" + l.name() + "\""
                        + " (SpectralNormalization) has no TF.js form: TensorFlow.js' layers have no SpectralNormalization."
                        + " Save it as .h5 or .keras");
            }
            if (l instanceof kdnn.layers.BaseLocallyConnected) {
                throw new IllegalArgumentException("model \"" + model.name() + "\", layer \"" + l.name() + "\" ("
                        + l.className() + ") has no TF.js form: TensorFlow.js' layers have no locally connected layers."
                        + " Save it as .h5");
            }
            if (l instanceof kdnn.layers.EinsumDense) {
                throw new IllegalArgumentException("model \"" + model.name() + "\", layer \"" + l.name() + "\""
                        + " (EinsumDense) has no TF.js form: TensorFlow.js' layers have no EinsumDense. Save it as .h5 or"
                        + " .keras");
            }
            if (l instanceof kdnn.layers.MultiHeadAttention) {
                throw new IllegalArgumentException("model \"" + model.name() + "\", layer \"" + l.name() + "\""
                        + " (MultiHeadAttention) has no TF.js form: TensorFlow.js' layers API does not export one (its"
                        + " port among tfjs-layers' nlp sources is not registered for loading). Save it as .h5 or .keras");
            }
        }
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode topology = tfjsClassNames(ModelConfigs.toConfig(model), ModelConfigs.callInputShapes(model));
        topology.put("keras_version", "kdnn");
        topology.put("backend", "oneDNN");
        root.set("modelTopology", topology);
        root.put("format", "layers-model");
        root.put("generatedBy", "kdnn");
        root.putNull("convertedBy");
        ObjectNode group = root.putArray("weightsManifest").addObject();
        group.putArray("paths").add("weights.bin");
        ArrayNode entries = group.putArray("weights");
        List<Layer> leaves = model.allLayers();
        List<Weight> trainable = new ArrayList<>();
        List<Weight> frozen = new ArrayList<>();
        List<String> trainableNames = new ArrayList<>();
        List<String> frozenNames = new ArrayList<>();
        for (Layer l : leaves) {
            List<Weight> weights = l.getWeights();
            for (int i = 0; i < weights.size(); i++) {
                Weight w = weights.get(i);
                boolean t = l.isTrainableWeight(i);
                (t ? trainable : frozen).add(w);
                // TF.js names a ConvLSTM2D's weights after the layer itself, not its cell
                (t ? trainableNames : frozenNames).add(l instanceof kdnn.layers.ConvLSTM2D ? l.name() + "/" + w.name()
                        : l instanceof kdnn.layers.StackedRNN s ? tfjsStackedPath(s, i) : kdnn.layers.Layers.weightPath(l, i));
            }
        }
        trainable.addAll(frozen);
        trainableNames.addAll(frozenNames);
        long bytes = 0;
        for (int i = 0; i < trainable.size(); i++) {
            Weight w = trainable.get(i);
            ObjectNode e = entries.addObject();
            e.put("name", trainableNames.get(i));
            ArrayNode shape = e.putArray("shape");
            for (int d : w.shape()) shape.add(d);
            e.put("dtype", "float32");
            bytes += (long) w.values().length * Float.BYTES;
        }
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
        for (Weight w : trainable) {
            buf.asFloatBuffer().put(w.values());
            buf.position(buf.position() + w.values().length * Float.BYTES);
        }
        Files.createDirectories(dir);
        Files.write(dir.resolve("weights.bin"), buf.array());
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(MODEL_JSON).toFile(), root);
    }

    /** TF.js calls a functional model "Model", nested ones included. */
    private static ObjectNode tfjsClassNames(ObjectNode model, Map<String, List<List<long[]>>> calls) {
        if (model.path("class_name").asText().equals("Functional")) model.put("class_name", "Model");
        for (JsonNode l : model.path("config").path("layers")) {
            if (l.path("config").has("layers")) tfjsClassNames((ObjectNode) l, calls);
            // TF.js mis-resolves a Concatenate's negative axis other than -1: written counted from the front
            List<List<long[]>> shapes = calls.getOrDefault(l.path("config").path("name").asText(), List.of());
            int axis = l.path("config").path("axis").asInt(-1);
            if (l.path("class_name").asText().equals("Concatenate") && axis < -1 && !shapes.isEmpty()
                    && l.get("config") instanceof ObjectNode c) {
                c.put("axis", axis + shapes.get(0).get(0).length);
            }
            swish(l);
            // TF.js refuses a separable convolution's kernel_* arguments (its kernels are depthwise and pointwise)
            if (l.path("class_name").asText().startsWith("SeparableConv") && l.get("config") instanceof ObjectNode c) {
                c.remove(List.of("kernel_initializer", "kernel_regularizer", "kernel_constraint"));
            }
        }
        return model;
    }

    /** TF.js knows Keras' silu by its older name, swish: so written, in a wrapper's layers too. */
    private static void swish(JsonNode layer) {
        if (!(layer.path("config") instanceof ObjectNode c)) return;
        for (String key : List.of("activation", "recurrent_activation")) {
            if (c.path(key).asText("").equals("silu")) c.put(key, "swish");
        }
        for (String key : List.of("layer", "backward_layer", "cell")) swish(c.path(key));
    }

    /** The parsed {@code model.json} of a folder, e.g. to compare two saves. */
    public static JsonNode readModelJson(Path dir) throws IOException {
        return JSON.readTree(dir.resolve(MODEL_JSON).toFile());
    }

}
