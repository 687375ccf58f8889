package kdnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kdnn.internal.AttentionCalls;
import kdnn.layers.InputLayer;
import kdnn.layers.KerasVersion;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.layers.UnknownLayerException;
import kdnn.layers.Weight;
import kdnn.layers.WeightSpec;

/**
 * Models from Keras' model config in the Keras 2 form ({@code model.to_json()}, TensorFlow.js'
 * {@code modelTopology}, the {@code model_config} of a Keras 2 HDF5 file): {@code Sequential}
 * (its layers, or Keras 2.1's bare list) and {@code Functional} / {@code Model} (layers with
 * {@code inbound_nodes}, {@code input_layers}, {@code output_layers}), nested models included.
 * Weights come from a {@link WeightSource}. Everything is checked before a model is returned; on
 * any refusal the layers made so far are closed.
 */
public final class ModelConfigs {
    private static final Set<String> MODEL_CLASSES = Set.of("Sequential", "Functional", "Model");

    private ModelConfigs() {
    }

    /** Where a model's weights come from. */
    public interface WeightSource {
        /**
         * The weights of {@code layer} in Keras' {@code get_weights()} order; {@code path} names
         * it from the top model ({@code ["outer_model", "conv1"]}); {@code expected} gives the
         * names and shapes the layer has. The layer's initializers draw its own values only if
         * asked ({@link Layer#getWeights()}): weights a source gives are never drawn.
         */
        List<Weight> weightsFor(List<String> path, Layer layer, List<WeightSpec> expected);

        /** What the source holds that no layer took, once every layer has its weights (empty when all was used). */
        default List<String> unused() {
            return List.of();
        }

        /** A weight's shape by layer name and weight name, before layers exist (or null). */
        default int[] shapeOf(String layer, String weight) {
            return null;
        }
    }

    /**
     * The model's config in Keras 2's form, {@code {"class_name", "config"}} as tf.keras 2.12
     * writes it (a Sequential's InputLayer first; a functional model's layers with
     * {@code inbound_nodes}, nested models as layers whose config is a model config, their calls
     * numbered from 1): what {@link #build} reads back into the same model.
     */
    public static com.fasterxml.jackson.databind.node.ObjectNode toConfig(Model model) {
        return ConfigWriter.of(model);
    }

    /**
     * The input shapes (batch first, -1 unknown) of every call a model makes of its own layers
     * and nested models, by name, each name's calls in Keras' node order: what Keras 3's
     * {@code build_config} and call records hold.
     */
    public static Map<String, List<List<long[]>>> callInputShapes(Model model) {
        return ConfigWriter.callInputShapes(model);
    }

    /** The model a config describes, with its weights, under Keras 2's rules. */
    public static Model build(JsonNode modelConfig, WeightSource weights) {
        return build(modelConfig, weights, KerasVersion.KERAS_2);
    }

    /** The model a config describes, with its weights, under the rules of the Keras version that wrote it. */
    public static Model build(JsonNode modelConfig, WeightSource weights, KerasVersion version) {
        KerasVersion before = RULES.get();
        RULES.set(version);
        try {
            return buildTop(modelConfig, weights);
        } finally {
            RULES.set(before);
        }
    }

    private static final ThreadLocal<KerasVersion> RULES = ThreadLocal.withInitial(() -> KerasVersion.KERAS_2);

    /**
     * A model's {@code get_config()} dict ({@code {"name", "layers", ...}}, what Keras'
     * {@code Model.from_config} takes) as the {@code {"class_name", "config"}} form
     * {@code model.to_json()} writes: functional when it names its input layers, else Sequential.
     * Any other JSON comes back as it is.
     */
    public static JsonNode withClassName(JsonNode config) {
        if (config == null || !config.isObject() || config.has("class_name") || !config.path("layers").isArray()) {
            return config;
        }
        com.fasterxml.jackson.databind.node.ObjectNode wrapped = com.fasterxml.jackson.databind.node.JsonNodeFactory
                .instance.objectNode();
        wrapped.put("class_name", config.has("input_layers") ? "Functional" : "Sequential");
        wrapped.set("config", config);
        return wrapped;
    }

    private static Model buildTop(JsonNode modelConfig, WeightSource weights) {
        JsonNode top = withClassName(modelConfig.has("model_config") ? modelConfig.get("model_config") : modelConfig);
        refuseUnknownClasses(top);
        List<Object> made = new ArrayList<>();
        try {
            Model model = buildModel(top, null, made, weights);
            assign(model, new ArrayList<>(), weights, new java.util.IdentityHashMap<>());
            List<String> left = weights.unused();
            if (!left.isEmpty()) {
                throw new IllegalArgumentException("model \"" + model.name() + "\" has weights no layer uses: " + left);
            }
            return model;
        } catch (RuntimeException | Error e) {
            Model.closeAll(made);
            throw e;
        }
    }

    /** Every class the model uses that kdnn lacks, listed at once with the layers using each. */
    static void refuseUnknownClasses(JsonNode model) {
        Map<String, List<String>> unknown = new LinkedHashMap<>();
        collectUnknown(model, unknown);
        if (unknown.isEmpty()) return;
        StringBuilder s = new StringBuilder("model uses " + unknown.size() + " class" + (unknown.size() == 1 ? "" : "es")
                + " kdnn does not implement: ");
        List<String> parts = new ArrayList<>();
        unknown.forEach((cls, names) -> parts.add(cls + " (" + String.join(", ", names) + ")"));
        s.append(String.join(", ", parts));
        if (unknown.containsKey("Lambda")) {
            s.append(". A Lambda layer holds Python code, which cannot be loaded from a file");
        }
        throw new UnknownLayerException(s.toString(), unknown.keySet().iterator().next());
    }

    private static void collectUnknown(JsonNode model, Map<String, List<String>> unknown) {
        for (JsonNode l : layerList(model)) {
            String cls = l.path("class_name").asText("");
            if (MODEL_CLASSES.contains(cls)) {
                collectUnknown(l, unknown);
            } else if (!Layers.classNames().contains(cls)) {
                String name = l.has("name") ? l.path("name").asText() : l.path("config").path("name").asText("?");
                unknown.computeIfAbsent(cls.isEmpty() ? "(no class_name)" : cls, k -> new ArrayList<>()).add(name);
            }
        }
    }

    private static List<JsonNode> layerList(JsonNode model) {
        JsonNode config = model.get("config");
        JsonNode list = config != null && config.isArray() ? config : config == null ? null : config.get("layers");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException("model \"" + modelName(model) + "\" (" + model.path("class_name").asText("?")
                    + ") has no \"layers\" list in its config");
        }
        List<JsonNode> out = new ArrayList<>();
        list.forEach(out::add);
        return out;
    }

    private static String modelName(JsonNode model) {
        JsonNode c = model.get("config");
        return c != null && c.isObject() ? c.path("name").asText("model") : "sequential";
    }

    /** A model from its {@code {"class_name", "config"}}; {@code callShape} builds a Sequential without an input shape. */
    private static Model buildModel(JsonNode model, long[] callShape, List<Object> made, WeightSource weights) {
        String cls = model.path("class_name").asText("");
        return switch (cls) {
            case "Sequential" -> sequential(model, callShape, made, weights);
            case "Functional", "Model" -> functional(model, made, weights);
            default -> throw new IllegalArgumentException("a model config has class_name \"Sequential\", \"Functional\""
                    + " or \"Model\"; got \"" + cls + "\"");
        };
    }

    private static Layer layer(JsonNode l, WeightSource weights, String model) {
        String cls = l.path("class_name").asText("?");
        String name = l.path("config").path("name").asText(l.path("name").asText("?"));
        try {
            return Layers.fromConfig(Layers.withInferredArguments(l, w -> weights.shapeOf(name, w)), RULES.get());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model \"" + model + "\", layer \"" + name + "\" (" + cls + "): "
                    + e.getMessage(), e);
        }
    }

    private static Sequential sequential(JsonNode model, long[] callShape, List<Object> made, WeightSource weights) {
        String name = modelName(model);
        long[] inputShape = null;
        String inputName = null;
        List<Object> ops = new ArrayList<>();
        for (JsonNode l : layerList(model)) {
            String cls = l.path("class_name").asText("");
            if (cls.equals(InputLayer.CLASS_NAME)) {
                InputLayer in = (InputLayer) layer(l, weights, name);
                made.add(in);
                inputShape = in.shape();
                inputName = in.name();
                continue;
            }
            if (MODEL_CLASSES.contains(cls)) {
                // built once the shape reaching it is known
                ops.add((java.util.function.Function<long[], Model>) shape -> buildModel(l, shape, made, weights));
                continue;
            }
            Layer layer = layer(l, weights, name);
            made.add(layer);
            ops.add(layer);
            if (inputShape == null && ops.size() == 1) inputShape = layer.declaredInputShape();
        }
        if (inputShape == null) inputShape = callShape;
        if (inputShape == null) {
            throw new IllegalArgumentException("model \"" + name + "\" declares no input shape (no InputLayer and no"
                    + " batch_input_shape on its first layer)");
        }
        // Keras names a Sequential's input after its first layer; a first nested model keeps the declared name
        boolean firstIsModel = !ops.isEmpty() && !(ops.get(0) instanceof Layer);
        Sequential s = Sequential.chain(name, ops, firstIsModel && inputName != null ? inputName : null, inputShape);
        made.add(s);
        return s;
    }

    private static Functional functional(JsonNode model, List<Object> made, WeightSource weights) {
        String name = modelName(model);
        JsonNode config = model.get("config");
        Map<String, JsonNode> entries = new LinkedHashMap<>();
        Map<String, Object> ops = new HashMap<>();
        Map<String, List<List<KerasTensor>>> outputs = new HashMap<>(); // per op: the outputs of each call
        for (JsonNode l : layerList(model)) {
            String layerName = l.has("name") ? l.path("name").asText() : l.path("config").path("name").asText();
            if (entries.put(layerName, l) != null) {
                throw new IllegalArgumentException("model \"" + name + "\" has two layers named \"" + layerName + "\"");
            }
            outputs.put(layerName, new ArrayList<>());
            String cls = l.path("class_name").asText("");
            if (MODEL_CLASSES.contains(cls)) continue; // a nested Sequential may need its call's shape
            if (AttentionCalls.WITH_CALL_ARGUMENTS.contains(cls)) {
                l = AttentionCalls.withCallArguments(l, "model \"" + name + "\": layer \"" + layerName + "\"");
                entries.put(layerName, l);
            }
            Layer layer = layer(l, weights, name);
            made.add(layer);
            ops.put(layerName, layer);
            if (layer instanceof InputLayer in) outputs.get(layerName).add(List.of(KerasTensor.input(in)));
        }
        // calls in the order their inputs become available, as Keras' reconstruction does
        Map<String, Integer> pending = new HashMap<>();
        for (var e : entries.entrySet()) pending.put(e.getKey(), 0);
        boolean progress = true;
        while (progress) {
            progress = false;
            for (var e : entries.entrySet()) {
                String layerName = e.getKey();
                JsonNode inbound = e.getValue().path("inbound_nodes");
                int next = pending.get(layerName);
                boolean attention = AttentionCalls.CLASS_NAMES.contains(e.getValue().path("class_name").asText(""));
                while (next < inbound.size()) {
                    // an attention's value, key and mask are keyword arguments: in kdnn's order, positional
                    JsonNode node = attention ? AttentionCalls.toPositional(inbound.get(next), "model \"" + name
                            + "\": layer \"" + layerName + "\"") : inbound.get(next);
                    List<KerasTensor> args = resolve(node, outputs, entries, name, layerName);
                    if (args == null) break;
                    call(layerName, e.getValue(), args, ops, outputs, made, weights);
                    pending.put(layerName, ++next);
                    progress = true;
                }
            }
        }
        for (var e : entries.entrySet()) {
            if (pending.get(e.getKey()) < e.getValue().path("inbound_nodes").size()) {
                throw new IllegalArgumentException("model \"" + name + "\": layer \"" + e.getKey() + "\" is called on"
                        + " tensors no layer produces (an unknown layer, a missing call, or a cycle): "
                        + e.getValue().path("inbound_nodes").get(pending.get(e.getKey())));
            }
        }
        List<KerasTensor> ins = endpoints(config.path("input_layers"), outputs, entries, name, "input_layers");
        List<KerasTensor> outs = endpoints(config.path("output_layers"), outputs, entries, name, "output_layers");
        Functional f = Functional.of(name, ins, outs);
        made.add(f);
        // a Keras 3 file passes a call the mask Keras derived: kdnn must derive one there too
        for (var e : entries.entrySet()) {
            boolean explicit = false;
            for (JsonNode call : e.getValue().path("inbound_nodes")) {
                for (JsonNode ref : call) explicit |= ref.path(3).path("__keras3_mask__").asBoolean(false);
            }
            if (explicit && ops.get(e.getKey()) instanceof Layer l && !f.layersGivenMasks().contains(l)) {
                throw new IllegalArgumentException("model \"" + name + "\": layer \"" + e.getKey() + "\" is passed a"
                        + " mask in the file that no Embedding(mask_zero=True) or Masking before it makes, so kdnn"
                        + " cannot derive it");
            }
        }
        return f;
    }

    private static void call(String layerName, JsonNode entry, List<KerasTensor> args, Map<String, Object> ops,
                             Map<String, List<List<KerasTensor>>> outputs, List<Object> made, WeightSource weights) {
        Object op = ops.get(layerName);
        if (op == null) {
            op = buildModel(entry, args.get(0).shape(), made, weights);
            ops.put(layerName, op);
        }
        if (op instanceof Model m) {
            outputs.get(layerName).add(m.apply(args.toArray(KerasTensor[]::new)));
        } else {
            Layer l = (Layer) op;
            if (l instanceof InputLayer) {
                throw new IllegalArgumentException("InputLayer \"" + layerName + "\" cannot be called on tensors");
            }
            outputs.get(layerName).add(l.applyAll(args.toArray(KerasTensor[]::new)));
        }
    }

    /** The tensors one inbound node reads, or null while one of them is not made yet. */
    private static List<KerasTensor> resolve(JsonNode node, Map<String, List<List<KerasTensor>>> outputs,
                                             Map<String, JsonNode> entries, String model, String layer) {
        JsonNode refs = node.isArray() && node.size() > 0 && node.get(0).isTextual() ? null : node;
        if (refs == null || !refs.isArray()) {
            throw new IllegalArgumentException("model \"" + model + "\": layer \"" + layer + "\" has a malformed inbound"
                    + " node " + node + " (expected [[layer_name, node_index, tensor_index, kwargs], ...])");
        }
        List<KerasTensor> args = new ArrayList<>();
        for (JsonNode ref : refs) {
            KerasTensor t = tensor(ref, outputs, entries, model, layer);
            if (t == null) return null;
            args.add(t);
        }
        if (args.isEmpty()) {
            throw new IllegalArgumentException("model \"" + model + "\": layer \"" + layer + "\" has an empty inbound node");
        }
        return args;
    }

    private static KerasTensor tensor(JsonNode ref, Map<String, List<List<KerasTensor>>> outputs,
                                      Map<String, JsonNode> entries, String model, String layer) {
        if (!ref.isArray() || ref.size() < 3 || !ref.get(0).isTextual() || !ref.get(1).canConvertToInt()
                || !ref.get(2).canConvertToInt()) {
            throw new IllegalArgumentException("model \"" + model + "\": layer \"" + layer + "\" refers to " + ref
                    + "; expected [layer_name, node_index, tensor_index, kwargs]");
        }
        String source = ref.get(0).asText();
        List<List<KerasTensor>> calls = outputs.get(source);
        if (calls == null) {
            throw new IllegalArgumentException("model \"" + model + "\": layer \"" + layer + "\" reads the output of \""
                    + source + "\", which is not a layer of the model");
        }
        // a nested model's node 0 links its own input to its output: its calls count from 1
        boolean nested = MODEL_CLASSES.contains(entries.get(source).path("class_name").asText(""));
        int node = ref.get(1).asInt() - (nested ? 1 : 0);
        int index = ref.get(2).asInt();
        if (node < 0) {
            throw new IllegalArgumentException("model \"" + model + "\": layer \"" + layer + "\" refers to node "
                    + ref.get(1) + " of \"" + source + "\", which does not exist");
        }
        if (node >= calls.size()) return null;
        List<KerasTensor> outs = calls.get(node);
        if (index < 0 || index >= outs.size()) {
            throw new IllegalArgumentException("model \"" + model + "\": layer \"" + layer + "\" refers to output " + index
                    + " of \"" + source + "\", which has " + outs.size());
        }
        return outs.get(index);
    }

    private static List<KerasTensor> endpoints(JsonNode list, Map<String, List<List<KerasTensor>>> outputs,
                                               Map<String, JsonNode> entries, String model, String key) {
        if (!list.isArray() || list.isEmpty()) {
            throw new IllegalArgumentException("model \"" + model + "\" has no \"" + key + "\" list");
        }
        // a single endpoint may be written flat: ["name", 0, 0]
        JsonNode refs = list.get(0).isTextual() ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .arrayNode().add(list) : list;
        List<KerasTensor> out = new ArrayList<>();
        for (JsonNode ref : refs) {
            KerasTensor t = tensor(ref, outputs, entries, model, key);
            if (t == null) {
                throw new IllegalArgumentException("model \"" + model + "\": " + key + " names " + ref
                        + ", which no call of the layer produced");
            }
            out.add(t);
        }
        return out;
    }

    /** Gives every layer its weights, each shared layer once, nested models recursing. */
    private static void assign(Model model, List<String> path, WeightSource weights,
                               java.util.IdentityHashMap<Object, Boolean> done) {
        for (Object o : model.layerObjects()) {
            if (done.put(o, true) != null) continue;
            if (o instanceof Model m) {
                path.add(m.name());
                assign(m, path, weights, done);
                path.remove(path.size() - 1);
                continue;
            }
            Layer layer = (Layer) o;
            List<WeightSpec> expected = layer.weightSpecs();
            if (expected.isEmpty()) continue;
            path.add(layer.name());
            try {
                layer.setWeights(weights.weightsFor(List.copyOf(path), layer, expected));
            } finally {
                path.remove(path.size() - 1);
            }
        }
    }
}
