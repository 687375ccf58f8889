package kdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kdnn.layers.BatchNormalization;
import kdnn.layers.GetItem;
import kdnn.layers.KerasOperation;
import kdnn.layers.Stack;
import kdnn.layers.TrueDivide;
import kdnn.model.Model;
import kdnn.model.ModelConfigs;

/**
 * A model's config in Keras 3's serialization form ({@code serialize_keras_object(model)}, the
 * {@code config.json} of a .keras zip): every object {@code {module, class_name, config,
 * registered_name}}, dtypes as DTypePolicy, {@code build_config} on layers that build, functional
 * calls as {@code {"args", "kwargs"}} of {@code __keras_tensor__}s, node numbers as Keras 3 counts
 * them. Made from the Keras 2 form {@link ModelConfigs#toConfig} gives, the inverse of what
 * {@link ConfigNormalizer} does on reading.
 */
final class Keras3Config {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Layers Keras 3 marks built at construction: their serialization has no build_config. */
    private static final Set<String> BUILT_AT_CONSTRUCTION = Set.of("InputLayer", "Activation", "ReLU", "LeakyReLU",
            "ELU", "Softmax", "ThresholdedReLU", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
            "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Reshape", "Flatten", "Permute",
            "RepeatVector", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
            "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
            "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D");
    /** Keras 3 refuses "groups" on these (tf.keras inherited it from Conv). */
    private static final Set<String> NO_GROUPS = Set.of("DepthwiseConv1D", "DepthwiseConv2D", "Conv1DTranspose",
            "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D", "SeparableConv2D");
    private static final Set<String> MERGES = Set.of("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
            "Concatenate", "Dot");

    private Keras3Config() {
    }

    static ObjectNode of(Model model) {
        return model(model, ModelConfigs.toConfig(model));
    }

    /** One model: {@code keras2} is its Keras 2 form. */
    private static ObjectNode model(Model model, JsonNode keras2) {
        boolean sequential = model.className().equals("Sequential");
        ObjectNode out = JSON.objectNode();
        out.put("module", sequential ? "keras" : "keras.src.models.functional");
        out.put("class_name", model.className());
        ObjectNode c = out.putObject("config");
        JsonNode k2 = keras2.get("config");
        c.put("name", model.name());
        c.put("trainable", true);
        Map<String, List<List<long[]>>> shapes = ModelConfigs.callInputShapes(model);
        ArrayNode layers = c.putArray("layers");
        if (sequential) {
            c.set("dtype", policy());
            long[] in = model.inputShapes().get(0);
            JsonNode first = k2.get("layers").get(0);
            ObjectNode input = layer(first, null, null);
            ((ObjectNode) input.get("config")).put("name", "input_layer");
            layers.add(input);
            List<Object> objects = SavedLayers.layers(model);
            for (int i = 1; i < k2.get("layers").size(); i++) {
                JsonNode l = k2.get("layers").get(i);
                Object o = objects.get(i - 1);
                layers.add(o instanceof Model m ? model(m, l) : layer(l, o, buildShape(shapes.get(SavedLayers.name(o)))));
            }
            c.set("build_input_shape", shape(in));
        } else {
            List<Object> objects = model.layerObjects();
            for (int i = 0; i < objects.size(); i++) {
                JsonNode l = k2.get("layers").get(i);
                Object o = objects.get(i);
                List<List<long[]>> calls = shapes.getOrDefault(SavedLayers.name(o), List.of());
                ObjectNode entry = o instanceof Model m ? model(m, l)
                        : o instanceof KerasOperation op ? operation(l, op) : layer(l, o, buildShape(calls));
                entry.put("name", SavedLayers.name(o));
                ArrayNode inbound = entry.putArray("inbound_nodes");
                for (int call = 0; call < l.get("inbound_nodes").size(); call++) {
                    inbound.add(call(l.get("inbound_nodes").get(call), calls.get(call), o, k2.get("layers")));
                }
                layers.add(entry);
            }
            c.set("input_layers", endpoints(k2.get("input_layers"), k2.get("layers")));
            c.set("output_layers", endpoints(k2.get("output_layers"), k2.get("layers")));
        }
        out.putNull("registered_name");
        if (!sequential) out.put("registered_name", "Functional");
        ObjectNode build = out.putObject("build_config");
        if (sequential) build.set("input_shape", shape(model.inputShapes().get(0)));
        else build.putNull("input_shape"); // a Functional is built at construction, not by a call: Keras 3 records no shape
        out.putObject("compile_config");
        return out;
    }

    /** A layer's Keras 3 object; {@code buildShape} null for one that is not built by a call. */
    private static ObjectNode layer(JsonNode keras2, Object op, JsonNode buildShape) {
        String cls = keras2.get("class_name").asText();
        ObjectNode out = JSON.objectNode();
        out.put("module", "keras.layers");
        out.put("class_name", cls);
        ObjectNode c = ((ObjectNode) keras2.get("config")).deepCopy();
        if (cls.equals("InputLayer")) {
            c.set("batch_shape", c.remove("batch_input_shape"));
            c.put("optional", false);
        } else {
            c.remove("batch_input_shape");
            if (c.has("dtype")) c.set("dtype", policy());
        }
        if (NO_GROUPS.contains(cls)) c.remove("groups");
        if (cls.equals("Resizing")) {
            // Keras 3 writes every argument of its Resizing
            if (!c.has("pad_to_aspect_ratio")) {
                c.put("pad_to_aspect_ratio", false);
                c.put("fill_mode", "constant");
                c.put("fill_value", 0.0);
            }
            if (!c.has("antialias")) c.put("antialias", false);
        }
        if ((cls.equals("Resizing") || cls.equals("CenterCrop") || cls.equals("RandomCrop")) && !c.has("data_format")) {
            c.put("data_format", "channels_last");
        }
        if (op instanceof BatchNormalization bn) {
            // Keras 3 takes one int axis and writes it as given (tf.keras the list its build made);
            // it always writes its synchronized and renorm arguments
            c.put("axis", bn.axis());
            c.put("synchronized", false);
            if (!bn.renorm()) {
                c.put("renorm", false);
                c.putNull("renorm_clipping");
                c.put("renorm_momentum", 0.99);
            }
        }
        if (op instanceof kdnn.layers.Bidirectional bi) {
            // Keras 3 saves its two layers (forward_<name> and backward_<name>) as it serializes layers, built for its
            // input, each with its go_backwards (a layer given as going backwards runs forward in kdnn, on reversed steps)
            boolean reversed = c.path("layer").path("config").path("go_backwards").asBoolean(false);
            JsonNode forward = kdnn.layers.Layers.toConfig(bi.forwardLayer());
            JsonNode backward = kdnn.layers.Layers.toConfig(bi.backwardLayer());
            ((ObjectNode) forward.get("config")).put("go_backwards", reversed);
            ((ObjectNode) backward.get("config")).put("go_backwards", !reversed);
            c.set("layer", layer(forward, bi.forwardLayer(), bi.forwardLayer().isBuilt() ? buildShape : null));
            c.set("backward_layer", layer(backward, bi.backwardLayer(), bi.backwardLayer().isBuilt() ? buildShape : null));
        }
        if (op instanceof kdnn.layers.SpectralNormalization sn) {
            // its layer as Keras 3 serializes it, built for the same input
            c.set("layer", layer(c.get("layer"), sn.layer(), sn.layer().isBuilt() ? buildShape : null));
        }
        if (op instanceof kdnn.layers.TimeDistributed td) {
            // its layer as Keras 3 serializes it, built for the steps folded into the batch
            JsonNode inner = td.layer().isBuilt() && buildShape != null && buildShape.isArray() ? folded(buildShape) : null;
            c.set("layer", layer(c.get("layer"), td.layer(), inner));
        }
        if (cls.equals("RNN") && c.path("cell").isObject()) {
            // its cell as Keras 3 serializes layers, built for one step (batch, features)
            JsonNode sequence = buildShape != null && buildShape.path(0).isArray() ? buildShape.get(0) : buildShape;
            c.set("cell", cell(c.get("cell"), sequence == null || !sequence.isArray() ? null
                    : sequence.get(sequence.size() - 1)));
        }
        if (cls.equals("Attention") || cls.equals("AdditiveAttention")) {
            c.remove("use_causal_mask"); // call arguments in Keras
            c.remove("return_attention_scores");
        }
        if (cls.equals("MultiHeadAttention") || cls.equals("GroupedQueryAttention")) {
            // tf.keras' build shapes are Keras 3's build_config; use_causal_mask is a call argument
            c.remove("query_shape");
            c.remove("key_shape");
            c.remove("value_shape");
            c.remove("use_causal_mask");
            c.remove("return_attention_scores");
        }
        if (cls.startsWith("SpatialDropout")) {
            // Keras 3's SpatialDropout takes rate, data_format, seed, name and dtype only (no **kwargs): it refuses the rest
            c.remove("trainable");
            c.remove("noise_shape");
            c.put("dtype", "float32");
            if (cls.equals("SpatialDropout1D")) c.remove("data_format");
        }
        if (cls.equals("EinsumDense")) c.putNull("quantization_config"); // Keras 3 writes it, tf.keras has none
        if (cls.equals("Dense")) {
            // Keras 3's Dense.get_config leaves activity_regularizer out and adds quantization_config
            c.remove("activity_regularizer");
            c.putNull("quantization_config");
        }
        if (cls.startsWith("SeparableConv")) {
            c.remove("kernel_initializer");
            c.remove("kernel_regularizer");
            c.remove("kernel_constraint");
        }
        for (Map.Entry<String, JsonNode> e : c.properties()) {
            String module = e.getKey().endsWith("_initializer") ? "keras.initializers"
                    : e.getKey().endsWith("_regularizer") ? "keras.regularizers"
                    : e.getKey().endsWith("_constraint") ? "keras.constraints" : null;
            if (module != null && e.getValue().isObject() && e.getValue().has("class_name")) {
                e.setValue(serialized(module, e.getValue()));
            }
        }
        out.set("config", c);
        out.putNull("registered_name");
        if (cls.equals("LayerScale") || cls.equals("StochasticDepth")) {
            // ConvNeXt's own layers: Keras 3 finds them in keras.applications' module, by their registered name
            out.put("module", "keras.src.applications.convnext");
            out.put("registered_name", cls);
        }
        if (cls.equals("CustomScaleLayer")) {
            // InceptionResNetV2's own layer, found the same way in its application's module
            out.put("module", "keras.src.applications.inception_resnet_v2");
            out.put("registered_name", cls);
        }
        boolean recurrent = op instanceof kdnn.layers.BaseRecurrent || op instanceof kdnn.layers.Bidirectional
                || op instanceof kdnn.layers.StackedRNN;
        if ((cls.equals("MultiHeadAttention") || cls.equals("GroupedQueryAttention")) && buildShape != null
                && buildShape.path(0).isArray()) {
            // Keras 3's MultiHeadAttention.build(query_shape, value_shape, key_shape) by name (GroupedQueryAttention's too)
            ObjectNode shapes = out.putObject("build_config").putObject("shapes_dict");
            shapes.set("query_shape", buildShape.get(0));
            shapes.set("value_shape", buildShape.get(1));
            if (buildShape.size() > 2) shapes.set("key_shape", buildShape.get(2));
        } else if (recurrent && buildShape != null && buildShape.path(0).isArray()) {
            // built with initial states: Keras 3's RNN.build(sequences_shape, initial_state_shape) by name
            ObjectNode shapes = out.putObject("build_config").putObject("shapes_dict");
            shapes.set("sequences_shape", buildShape.get(0));
            ArrayNode flat = JSON.arrayNode();
            for (int i = 1; i < buildShape.size(); i++) flat.add(buildShape.get(i));
            shapes.set("initial_state_shape", op instanceof kdnn.layers.StackedRNN stacked ? perCell(flat, stacked) : flat);
        } else if (buildShape != null && !BUILT_AT_CONSTRUCTION.contains(cls)) {
            out.putObject("build_config").set("input_shape", buildShape);
        }
        return out;
    }

    /** An RNN's cell (a StackedRNNCells' cells each) as Keras 3 saves it; {@code features} null when not built. */
    private static ObjectNode cell(JsonNode keras2, JsonNode features) {
        ObjectNode out = layer(keras2, null, null);
        ObjectNode c = (ObjectNode) out.get("config");
        if (c.path("cells").isArray()) {
            ArrayNode cells = JSON.arrayNode();
            JsonNode in = features;
            for (JsonNode each : c.get("cells")) {
                cells.add(cell(each, in));
                in = features == null ? null : each.path("config").get("units");
            }
            c.set("cells", cells);
        }
        if (features != null) out.putObject("build_config").putArray("input_shape").addNull().add(features);
        return out;
    }

    /** A stack's initial states nested per cell as Keras 3 takes them: an LSTM's [h, c], another cell's h bare. */
    private static ArrayNode perCell(ArrayNode flat, kdnn.layers.StackedRNN stacked) {
        ArrayNode out = JSON.arrayNode();
        int at = 0;
        for (int count : stacked.stateCounts()) {
            if (count == 1) {
                out.add(flat.get(at++));
            } else {
                ArrayNode cell = out.addArray();
                for (int k = 0; k < count; k++) cell.add(flat.get(at++));
            }
        }
        return out;
    }

    /** kdnn's operation layers as the Keras 3 operations: a tensor's {@code /} and {@code []}, {@code ops.stack}. */
    private static ObjectNode operation(JsonNode keras2, KerasOperation op) {
        String cls = op instanceof kdnn.layers.ConstantFunction f ? f.keras3ClassName()
                : op instanceof kdnn.layers.ConstantMatmul ? "Matmul" : keras2.get("class_name").asText();
        ObjectNode out = JSON.objectNode();
        out.put("module", op.keras3Module());
        out.put("class_name", cls);
        ObjectNode c = out.putObject("config");
        c.set("name", keras2.path("config").get("name"));
        if (op instanceof kdnn.layers.Split split) {
            JsonNode indices = split.keras3Splits();
            if (indices == null) {
                throw new IllegalArgumentException("layer \"" + split.name() + "\" (Split): tf.split's sizes "
                        + split.getConfig().get("num_or_size_splits") + " leave a piece before the last to the input's"
                        + " length, which keras.ops.split's start indices cannot say. Save it as .h5");
            }
            c.set("indices_or_sections", indices);
        }
        if (keras2.path("config").has("axis")) c.set("axis", keras2.path("config").get("axis")); // Stack's, Split's
        if (op instanceof kdnn.layers.Matmul mm && (mm.transposeA() || mm.transposeB())) {
            throw new IllegalArgumentException("layer \"" + mm.name() + "\" (Matmul): tf.linalg.matmul's transpose_a /"
                    + " transpose_b have no Keras 3 form (keras.ops.matmul takes none). Save it as .h5");
        }
        if (op instanceof kdnn.layers.ConstantFunction f && cls.equals(kdnn.layers.ConstantFunction.CLIP)) {
            c.put("x_min", f.constants()[0]);
            c.put("x_max", f.constants()[1]);
        }
        if (op instanceof kdnn.layers.Tile t) c.set("repeats", t.getConfig().get("repeats"));
        if (op instanceof kdnn.layers.Moments m) {
            c.set("axes", m.getConfig().get("axes"));
            c.set("keepdims", m.getConfig().get("keepdims"));
            c.put("synchronized", false);
        }
        if (op instanceof kdnn.layers.RgbToGrayscale g) c.put("data_format", g.dataFormat().kerasName());
        if (op instanceof kdnn.layers.ArgReduce a) c.put("keepdims", a.keepdims());
        if (op instanceof kdnn.layers.Einsum e) c.put("subscripts", e.subscripts());
        if (op instanceof kdnn.layers.LogSumExp l) c.put("keepdims", l.keepdims());
        if (op instanceof kdnn.layers.Repeat) c.set("repeats", keras2.path("config").get("repeats")); // (its axis above)
        if (op instanceof kdnn.layers.Normalize n) {
            c.put("order", 2);
            c.set("epsilon", n.getConfig().get("epsilon"));
        }
        if (op instanceof kdnn.layers.Pad pad) {
            // ops.pad(x, pad_width, mode): the constant is passed at the call
            c.set("pad_width", keras2.path("config").get("paddings"));
            c.put("mode", pad.mode());
        }
        if (op instanceof kdnn.layers.Reduce reduce) {
            // Keras 3's constructor arguments: ops.max(x, axis, keepdims, initial), ops.prod(..., dtype)
            c.put("keepdims", reduce.keepdims());
            if (cls.equals("Max") || cls.equals("Min")) c.putNull("initial");
            if (cls.equals("Prod")) c.putNull("dtype");
            if (cls.equals("Norm")) c.putNull("ord");
        }
        out.put("registered_name", cls);
        return out;
    }

    /** A (batch, time, ...) build shape as (batch * time, ...): null where either is unknown, as Keras folds it. */
    private static JsonNode folded(JsonNode shape) {
        ArrayNode out = JSON.arrayNode();
        JsonNode b = shape.get(0);
        JsonNode t = shape.get(1);
        if (b.isNumber() && t.isNumber()) out.add(b.asLong() * t.asLong()); else out.addNull();
        for (int i = 2; i < shape.size(); i++) out.add(shape.get(i));
        return out;
    }

    private static ObjectNode serialized(String module, JsonNode keras2) {
        ObjectNode o = JSON.objectNode();
        o.put("module", module);
        o.set("class_name", keras2.get("class_name"));
        o.set("config", keras2.path("config").isObject() ? keras2.get("config").deepCopy() : JSON.objectNode());
        o.putNull("registered_name");
        return o;
    }

    private static ObjectNode policy() {
        ObjectNode p = JSON.objectNode();
        p.put("module", "keras");
        p.put("class_name", "DTypePolicy");
        p.putObject("config").put("name", "float32");
        p.putNull("registered_name");
        return p;
    }

    /** build_config's input_shape: the first call's input shape (a list of them for several inputs), or null. */
    private static JsonNode buildShape(List<List<long[]>> calls) {
        if (calls == null || calls.isEmpty()) return null;
        return shapes(calls.get(0));
    }

    private static JsonNode shapes(List<long[]> s) {
        if (s.size() == 1) return shape(s.get(0));
        ArrayNode a = JSON.arrayNode();
        for (long[] x : s) a.add(shape(x));
        return a;
    }

    private static ArrayNode shape(long[] s) {
        ArrayNode a = JSON.arrayNode();
        for (long d : s) {
            if (d < 0) a.addNull(); else a.add(d);
        }
        return a;
    }

    /** One call: its tensors as __keras_tensor__ args (a merge's as one list), its kwargs. */
    private static ObjectNode call(JsonNode keras2Call, List<long[]> inputShapes, Object op, JsonNode layers) {
        ObjectNode out = JSON.objectNode();
        if (op instanceof kdnn.layers.MultiHeadAttention mha) return attentionCall(keras2Call, inputShapes, mha, layers);
        ArrayNode tensors = JSON.arrayNode();
        for (int i = 0; i < keras2Call.size(); i++) tensors.add(kerasTensor(keras2Call.get(i), inputShapes.get(i), layers));
        ArrayNode args = out.putArray("args");
        String cls = SavedLayers.className(op);
        boolean recurrent = op instanceof kdnn.layers.BaseRecurrent || op instanceof kdnn.layers.Bidirectional
                || op instanceof kdnn.layers.StackedRNN;
        ArrayNode initialState = null;
        if (MERGES.contains(cls) || op instanceof Stack || op instanceof kdnn.layers.BaseDenseAttention) {
            args.add(tensors);
        } else if (recurrent && tensors.size() > 1) {
            // Keras 3 passes a recurrent layer's initial states as a keyword argument
            args.add(tensors.get(0));
            initialState = JSON.arrayNode();
            for (int i = 1; i < tensors.size(); i++) initialState.add(tensors.get(i));
        } else {
            args.addAll(tensors);
        }
        // the operation's second argument: the divisor, the key
        if (op instanceof TrueDivide d) args.add(d.getConfig().get("y"));
        if (op instanceof kdnn.layers.ConstantDivide d) args.insert(0, d.getConfig().get("x")); // the constant first
        if (op instanceof GetItem g) args.add(g.key());
        if (op instanceof kdnn.layers.Take t) args.add(t.getConfig().get("indices")); // ops.take(x, indices, axis)
        if (op instanceof kdnn.layers.ConstantMatmul m) args.add(m.keras3Operand()); // ops.matmul(x, b), b as (K, N)
        if (op instanceof kdnn.layers.ConstantFunction f && !cls.equals(kdnn.layers.ConstantFunction.CLIP)) {
            args.add(f.constants()[0]); // ops.power(x, p), ops.maximum(x, c), ops.minimum(x, c)
        }
        ObjectNode kwargs = out.putObject("kwargs");
        if (initialState != null) {
            kwargs.set("initial_state", op instanceof kdnn.layers.StackedRNN stacked ? perCell(initialState, stacked)
                    : initialState);
        }
        if (op instanceof Model || cls.equals("BatchNormalization")) kwargs.putNull("mask");
        if (cls.equals("Dropout")) kwargs.put("training", false);
        // Keras 3 refuses a fill beside a mirrored mode
        if (op instanceof kdnn.layers.Pad pad && pad.mode().equals("constant")) kwargs.put("constant_values", pad.constantValue());
        if (op instanceof kdnn.layers.BaseDenseAttention dense) {
            if (dense.useCausalMask()) kwargs.put("use_causal_mask", true);
            if (dense.returnAttentionScores()) kwargs.put("return_attention_scores", true);
        }
        return out;
    }

    /** A {@code __keras_tensor__} argument for a Keras 2 reference [layer, node, tensor]. */
    private static ObjectNode kerasTensor(JsonNode ref, long[] shape, JsonNode layers) {
        ObjectNode t = JSON.objectNode();
        t.put("class_name", "__keras_tensor__");
        ObjectNode tc = t.putObject("config");
        tc.set("shape", shape(shape));
        tc.put("dtype", "float32");
        String source = ref.get(0).asText();
        // Keras 3 counts a nested model's calls from 0, Keras 2 from 1
        int node = ref.get(1).asInt() - (isModel(source, layers) ? 1 : 0);
        tc.putArray("keras_history").add(source).add(node).add(ref.get(2).asInt());
        return t;
    }

    /**
     * Keras 3's call of a MultiHeadAttention: query and value as args, the key (when it is not the
     * value), the attention mask and use_causal_mask as kwargs. {@code inputShapes} are kdnn's
     * inputs in order (query, value, key, mask); the Keras 2 call holds the query with the others
     * as keyword arguments.
     */
    private static ObjectNode attentionCall(JsonNode keras2Call, List<long[]> inputShapes,
                                            kdnn.layers.MultiHeadAttention mha, JsonNode layers) {
        ObjectNode out = JSON.objectNode();
        JsonNode query = keras2Call.get(0);
        JsonNode kw = query.path(3);
        ArrayNode args = out.putArray("args");
        args.add(kerasTensor(query, inputShapes.get(0), layers));
        args.add(kerasTensor(kw.get("value"), inputShapes.get(1), layers));
        ObjectNode kwargs = out.putObject("kwargs");
        if (kw.has("key")) kwargs.set("key", kerasTensor(kw.get("key"), inputShapes.get(2), layers));
        if (kw.has("attention_mask")) {
            kwargs.set("attention_mask", kerasTensor(kw.get("attention_mask"), inputShapes.get(3), layers));
        }
        if (mha.useCausalMask()) kwargs.put("use_causal_mask", true);
        if (mha.returnAttentionScores()) kwargs.put("return_attention_scores", true);
        return out;
    }

    /** input_layers/output_layers: one bare [layer, node, tensor] or a list; a nested Sequential's calls from 0. */
    private static JsonNode endpoints(JsonNode keras2, JsonNode layers) {
        ArrayNode out = JSON.arrayNode();
        for (JsonNode ref : keras2) {
            String source = ref.get(0).asText();
            boolean sequential = isModel(source, layers) && classOf(source, layers).equals("Sequential");
            ArrayNode r = JSON.arrayNode();
            r.add(source).add(ref.get(1).asInt() - (sequential ? 1 : 0)).add(ref.get(2).asInt());
            out.add(r);
        }
        return out.size() == 1 ? out.get(0) : out;
    }

    private static boolean isModel(String name, JsonNode layers) {
        return Set.of("Sequential", "Functional", "Model").contains(classOf(name, layers));
    }

    private static String classOf(String name, JsonNode layers) {
        for (JsonNode l : layers) {
            if (l.path("name").asText().equals(name)) return l.get("class_name").asText();
        }
        return "";
    }
}
