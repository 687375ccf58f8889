package kdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Brings a model config into Keras 2's form, whoever wrote it: Keras 3's serialization metadata
 * ({@code module}, {@code registered_name}, {@code build_config}, {@code compile_config},
 * {@code shared_object_id}) dropped, DTypePolicy objects as their dtype name, InputLayer's
 * {@code batch_shape} as {@code batch_input_shape}, Keras 3's call records
 * ({@code {"args", "kwargs"}} with {@code __keras_tensor__}s) as Keras 2's
 * {@code [[layer, node, tensor, kwargs], ...]}, node numbers of nested models counted as Keras 2
 * counts them (from 1), Keras 2.1's bare-list Sequential as an object, and tf.keras' TFOpLambda
 * layers as the Keras layers that compute the same ({@link TfOpLambdas}). A layer's own arguments
 * stay as written. Refuses what cannot be loaded from a file: Keras 1 configs, Lambda layers and
 * custom classes.
 */
final class ConfigNormalizer {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Set<String> METADATA = Set.of("module", "registered_name", "build_config", "compile_config",
            "shared_object_id");
    private static final Set<String> POLICIES = Set.of("DTypePolicy", "FloatDTypePolicy", "Policy",
            "QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy", "GPTQDTypePolicy");
    private static final Set<String> ELEMENTWISE_OPS = new java.util.TreeSet<>(Set.of("Add", "Subtract", "Multiply",
            "Maximum", "Minimum"));
    private static final Set<String> KERAS1_CLASSES = Set.of("Convolution1D", "Convolution2D", "Convolution3D",
            "AtrousConvolution1D", "AtrousConvolution2D", "Deconvolution2D", "Deconvolution3D", "Merge", "MaxoutDense",
            "Highway", "TimeDistributedDense", "SeparableConvolution2D");
    private static final Set<String> KERAS1_KEYS = Set.of("nb_filter", "border_mode", "subsample", "nb_row", "nb_col",
            "init", "dim_ordering", "W_regularizer", "b_regularizer", "W_constraint", "b_constraint");

    private final String file;

    private ConfigNormalizer(String file) {
        this.file = file;
    }

    /** The Keras 2 form of a model config ({@code {"class_name", "config"}}, a get_config() dict or a bare Sequential list). */
    static ObjectNode normalize(JsonNode modelConfig, String file) {
        ConfigNormalizer n = new ConfigNormalizer(file);
        modelConfig = kdnn.model.ModelConfigs.withClassName(modelConfig); // a get_config() dict
        if (modelConfig != null && modelConfig.isArray()) {
            ObjectNode wrapped = JSON.objectNode();
            wrapped.put("class_name", "Sequential");
            wrapped.set("config", modelConfig);
            modelConfig = wrapped;
        }
        if (modelConfig == null || !modelConfig.isObject() || !modelConfig.path("class_name").isTextual()) {
            throw new ModelFileException(file + ": the model config is not {\"class_name\", \"config\"} (nor a list of"
                    + " layers): " + abbreviate(modelConfig));
        }
        ObjectNode out = n.model(modelConfig, "model");
        // to_json() and TF.js put the writer's version beside the config; ModelSource carries it
        out.remove("keras_version");
        out.remove("backend");
        return out;
    }

    private ObjectNode model(JsonNode entry, String where) {
        String cls = entry.path("class_name").asText();
        ObjectNode out = stripped(entry);
        JsonNode config = entry.get("config");
        ObjectNode c;
        if (cls.equals("Sequential") && config != null && config.isArray()) {
            c = JSON.objectNode();
            c.put("name", "sequential"); // Keras 2.1 wrote no name; Keras 2 would call it "sequential"
            c.set("layers", config);
        } else if (config != null && config.isObject()) {
            c = config.deepCopy();
        } else {
            throw new ModelFileException(file + ": " + where + " (" + cls + ") has no \"config\" object");
        }
        JsonNode layers = c.get("layers");
        if (layers == null || !layers.isArray()) {
            throw new ModelFileException(file + ": " + where + " (" + cls + ") has no \"layers\" list");
        }
        String name = c.path("name").asText(where);
        normalizeDtype(c, "model \"" + name + "\"");
        boolean functional = !cls.equals("Sequential");
        Set<String> models = new HashSet<>();
        Set<String> sequentials = new HashSet<>();
        for (JsonNode l : layers) {
            if (LayerTree.isModel(l)) {
                models.add(LayerTree.nameOf(l));
                if (l.path("class_name").asText().equals("Sequential")) sequentials.add(LayerTree.nameOf(l));
            }
        }
        // Keras 3 writes the masks it derived as operations (NotEqual, Any, LogicalOr...) passed as a
        // call's `mask`; kdnn derives the same masks itself, so those operations are left out
        Set<String> maskOnly = functional ? maskOnlyOperations(layers) : Set.of();
        ArrayNode newLayers = JSON.arrayNode();
        for (JsonNode l : layers) {
            if (isMaskOperation(l) && maskOnly.contains(LayerTree.nameOf(l))) continue;
            newLayers.add(layer(l, name, functional, models));
        }
        c.set("layers", newLayers);
        if (functional) {
            boolean keras3 = isKeras3(entry, layers);
            c.set("input_layers", endpoints(c.get("input_layers"), "input_layers", name, keras3 ? sequentials : Set.of()));
            c.set("output_layers", endpoints(c.get("output_layers"), "output_layers", name, keras3 ? sequentials : Set.of()));
        }
        out.set("config", c);
        return out;
    }

    private ObjectNode layer(JsonNode entry, String modelName, boolean functional, Set<String> models) {
        if (entry == null || !entry.isObject() || !entry.path("class_name").isTextual()) {
            throw new ModelFileException(file + ": model \"" + modelName + "\" has a layer that is not {\"class_name\","
                    + " \"config\"}: " + abbreviate(entry));
        }
        String cls = entry.get("class_name").asText();
        String name = LayerTree.nameOf(entry);
        String where = "layer \"" + name + "\" (" + cls + ") of model \"" + modelName + "\"";
        if ((cls.equals("TFOpLambda") || cls.equals("SlicingOpLambda")) && functional) {
            entry = TfOpLambdas.translate(entry, file, where);
            cls = entry.get("class_name").asText();
        } else if (functional && KERAS3_OPERATIONS.containsKey(cls) && isOperation(entry)
                && entry.path("inbound_nodes").path(0).has("args") && !elementwiseOfTensors(entry)) {
            entry = TfOpLambdas.translate(keras3Operation(entry, where, models), file, where);
        }
        entry = addonsNormalization(entry);
        cls = entry.get("class_name").asText();
        refuseUnloadable(entry, where);
        ObjectNode out;
        if (LayerTree.isModel(entry)) {
            out = model(entry, where);
        } else {
            out = stripped(entry);
            JsonNode config = entry.get("config");
            if (config == null || !config.isObject()) {
                throw new ModelFileException(file + ": " + where + " has no \"config\" object");
            }
            ObjectNode c = config.deepCopy();
            for (String key : KERAS1_KEYS) {
                if (c.has(key)) {
                    throw keras1(where + " has Keras 1's argument \"" + key + "\"");
                }
            }
            normalizeDtype(c, where);
            if (cls.equals("InputLayer") && c.has("batch_shape") && !c.has("batch_input_shape")) {
                c.set("batch_input_shape", c.remove("batch_shape"));
            }
            for (Map.Entry<String, JsonNode> e : c.properties()) {
                e.setValue(value(e.getValue(), where + ", argument \"" + e.getKey() + "\""));
            }
            normalizeInnerDtypes(cls, c, where);
            out.set("config", c);
        }
        if (functional) {
            if (!out.has("name")) out.put("name", name);
            out.set("inbound_nodes", inboundNodes(entry.get("inbound_nodes"), where, models, cls));
        }
        return out;
    }

    private void refuseUnloadable(JsonNode entry, String where) {
        String cls = entry.path("class_name").asText();
        if (KERAS1_CLASSES.contains(cls)) {
            throw keras1(where + " is Keras 1's class " + cls);
        }
        if (cls.equals("Lambda")) {
            throw new ModelFileException(file + ": " + where + " is a Lambda layer: its function is Python code, which"
                    + " cannot be loaded from a model file");
        }
        String custom = customName(entry);
        if (custom != null) {
            throw new ModelFileException(file + ": " + where + " is a custom class (" + custom + "): its code is not in"
                    + " the model file, so it cannot be loaded");
        }
        // Keras 3 saves an operation called on Keras tensors (keras.ops.add...) under the operation's class name,
        // which may be a layer's name with other arguments: only the element-wise ones mean what the layer means
        String module = entry.path("module").asText("");
        if ((module.startsWith("keras.src.ops.") || module.startsWith("keras.ops.")) && !ELEMENTWISE_OPS.contains(cls)) {
            throw new ModelFileException(file + ": " + where + " is the Keras 3 operation " + module + "." + cls
                    + ", which kdnn does not read (it reads the element-wise " + ELEMENTWISE_OPS + " of tensors, and "
                    + new java.util.TreeSet<>(KERAS3_OPERATIONS.keySet()) + " as tf.keras' TFOpLambda of that meaning)");
        }
    }

    /** Keras 3 operations read through the TFOpLambda translation: the class and tf.keras' function of the same meaning. */
    private static final Map<String, String> KERAS3_OPERATIONS = Map.ofEntries(Map.entry("Add", "__operators__.add"),
            Map.entry("Subtract", "math.subtract"), Map.entry("Multiply", "math.multiply"),
            Map.entry("TrueDivide", "math.truediv"), Map.entry("Divide", "math.truediv"),
            Map.entry("Negative", "math.negative"), Map.entry("Relu", "nn.relu"), Map.entry("Relu6", "nn.relu6"),
            Map.entry("Sigmoid", "math.sigmoid"), Map.entry("Silu", "nn.silu"), Map.entry("Tanh", "math.tanh"),
            Map.entry("Exp", "math.exp"), Map.entry("Softplus", "nn.softplus"), Map.entry("Softsign", "nn.softsign"),
            Map.entry("GetItem", "__operators__.getitem"), Map.entry("Stack", "stack"), Map.entry("Concatenate", "concat"),
            Map.entry("Mean", "math.reduce_mean"), Map.entry("Max", "math.reduce_max"), Map.entry("Min", "math.reduce_min"),
            Map.entry("Sum", "math.reduce_sum"), Map.entry("Prod", "math.reduce_prod"), Map.entry("Matmul", "linalg.matmul"),
            Map.entry("Var", "math.reduce_variance"), Map.entry("Std", "math.reduce_std"),
            Map.entry("Clip", "clip_by_value"), Map.entry("Power", "math.pow"),
            // (Maximum and Minimum of a tensor and a constant: of two tensors they are Keras' merges)
            Map.entry("Maximum", "math.maximum"), Map.entry("Minimum", "math.minimum"), Map.entry("Reshape", "reshape"),
            Map.entry("Transpose", "transpose"), Map.entry("ExpandDims", "expand_dims"), Map.entry("Softmax", "nn.softmax"),
            Map.entry("LeakyRelu", "nn.leaky_relu"), Map.entry("Gelu", "nn.gelu"), Map.entry("Flip", "reverse"),
            Map.entry("Pad", "pad"), Map.entry("Resize", "image.resize"), Map.entry("Norm", "norm"), Map.entry("Cast", "cast"), Map.entry("Squeeze", "squeeze"), Map.entry("Split", "split"),
            Map.entry("Sqrt", "math.sqrt"), Map.entry("Square", "math.square"), Map.entry("Absolute", "math.abs"),
            Map.entry("Log", "math.log"), Map.entry("Rsqrt", "math.rsqrt"), Map.entry("Reciprocal", "math.reciprocal"),
            Map.entry("Sign", "math.sign"), Map.entry("Floor", "math.floor"), Map.entry("Ceil", "math.ceil"),
            Map.entry("Round", "math.round"), Map.entry("Sin", "math.sin"), Map.entry("Cos", "math.cos"),
            Map.entry("Tan", "math.tan"), Map.entry("Expm1", "math.expm1"), Map.entry("Log1p", "math.log1p"),
            Map.entry("Erf", "math.erf"),
            // the activations: TensorFlow's function where it has one, else keras.ops' own name
            Map.entry("Selu", "nn.selu"), Map.entry("Elu", "nn.elu"), Map.entry("LogSigmoid", "math.log_sigmoid"),
            Map.entry("LogSoftmax", "nn.log_softmax"), Map.entry("Celu", "keras.ops.celu"),
            Map.entry("HardSigmoid", "keras.ops.hard_sigmoid"), Map.entry("HardSilu", "keras.ops.hard_silu"),
            Map.entry("HardTanh", "keras.ops.hard_tanh"), Map.entry("TanhShrink", "keras.ops.tanh_shrink"),
            Map.entry("SparseSigmoid", "keras.ops.sparse_sigmoid"), Map.entry("SparsePlus", "keras.ops.sparse_plus"),
            Map.entry("SoftShrink", "keras.ops.soft_shrink"), Map.entry("HardShrink", "keras.ops.hard_shrink"),
            Map.entry("Squareplus", "keras.ops.squareplus"), Map.entry("Sparsemax", "keras.ops.sparsemax"),
            Map.entry("Normalize", "keras.ops.normalize"), Map.entry("Tile", "tile"), Map.entry("Repeat", "repeat"),
            Map.entry("MaxPool", "keras.ops.max_pool"), Map.entry("AveragePool", "keras.ops.average_pool"),
            Map.entry("RGBToGrayscale", "image.rgb_to_grayscale"), Map.entry("Take", "keras.ops.take"),
            // ops.moveaxis and ops.swapaxes: the transpose of their permutation, worked out from the tensor's rank
            Map.entry("Moveaxis", "transpose"), Map.entry("Swapaxes", "transpose"),
            // ops.image.pad_images and crop_images: ZeroPadding2D and Cropping2D of the sides worked out from the shape
            Map.entry("PadImages", "keras.ops.image.pad_images"), Map.entry("CropImages", "keras.ops.image.crop_images"),
            Map.entry("Moments", "nn.moments"),
            // Keras 3's own names: it ranks -0.0 below 0.0 where tf.math.argmax holds them equal
            Map.entry("Argmax", "keras.ops.argmax"), Map.entry("Argmin", "keras.ops.argmin"),
            Map.entry("Einsum", "keras.ops.einsum"), Map.entry("Logsumexp", "math.reduce_logsumexp"));

    /**
     * A Keras 3 operation's argument kept in its config (Keras 3 saves an operation's constructor
     * arguments there, defaults included): the config key, tf.keras' name for it, and Keras 3's
     * default where an older file's config lacks it (null: none).
     */
    private record ConfiguredArgument(String key, String tfName, JsonNode fallback) {
    }

    private static final Map<String, List<ConfiguredArgument>> CONFIGURED_ARGUMENTS = Map.ofEntries(
            Map.entry("Mean", List.of(new ConfiguredArgument("axis", "axis", null),
                    new ConfiguredArgument("keepdims", "keepdims", JSON.booleanNode(false)))),
            Map.entry("Max", List.of(new ConfiguredArgument("axis", "axis", null),
                    new ConfiguredArgument("keepdims", "keepdims", JSON.booleanNode(false)))),
            Map.entry("Min", List.of(new ConfiguredArgument("axis", "axis", null),
                    new ConfiguredArgument("keepdims", "keepdims", JSON.booleanNode(false)))),
            Map.entry("Sum", List.of(new ConfiguredArgument("axis", "axis", null),
                    new ConfiguredArgument("keepdims", "keepdims", JSON.booleanNode(false)))),
            Map.entry("Prod", List.of(new ConfiguredArgument("axis", "axis", null),
                    new ConfiguredArgument("keepdims", "keepdims", JSON.booleanNode(false)))),
            Map.entry("Tile", List.of(new ConfiguredArgument("repeats", "multiples", null))),
            Map.entry("Take", List.of(new ConfiguredArgument("axis", "axis", JSON.nullNode()))),
            Map.entry("Logsumexp", List.of(new ConfiguredArgument("axis", "axis", null),
                    new ConfiguredArgument("keepdims", "keepdims", JSON.booleanNode(false)))),
            Map.entry("Einsum", List.of(new ConfiguredArgument("subscripts", "subscripts", null))),
            Map.entry("Argmax", List.of(new ConfiguredArgument("axis", "axis", JSON.nullNode()),
                    new ConfiguredArgument("keepdims", "keepdims", JSON.booleanNode(false)))),
            Map.entry("Argmin", List.of(new ConfiguredArgument("axis", "axis", JSON.nullNode()),
                    new ConfiguredArgument("keepdims", "keepdims", JSON.booleanNode(false)))),
            Map.entry("RGBToGrayscale", List.of(new ConfiguredArgument("data_format", "data_format", JSON.nullNode()))),
            Map.entry("MaxPool", List.of(new ConfiguredArgument("pool_size", "pool_size", null),
                    new ConfiguredArgument("strides", "strides", JSON.nullNode()),
                    new ConfiguredArgument("padding", "padding", JSON.textNode("valid")),
                    new ConfiguredArgument("data_format", "data_format", JSON.textNode("channels_last")))),
            Map.entry("AveragePool", List.of(new ConfiguredArgument("pool_size", "pool_size", null),
                    new ConfiguredArgument("strides", "strides", JSON.nullNode()),
                    new ConfiguredArgument("padding", "padding", JSON.textNode("valid")),
                    new ConfiguredArgument("data_format", "data_format", JSON.textNode("channels_last")))),
            Map.entry("Repeat", List.of(new ConfiguredArgument("repeats", "repeats", null),
                    new ConfiguredArgument("axis", "axis", JSON.nullNode()))),
            Map.entry("Moments", List.of(new ConfiguredArgument("axes", "axes", null),
                    new ConfiguredArgument("keepdims", "keepdims", JSON.booleanNode(false)),
                    new ConfiguredArgument("synchronized", "synchronized", JSON.booleanNode(false)))),
            Map.entry("Var", List.of(new ConfiguredArgument("axis", "axis", null),
                    new ConfiguredArgument("keepdims", "keepdims", JSON.booleanNode(false)))),
            Map.entry("Std", List.of(new ConfiguredArgument("axis", "axis", null),
                    new ConfiguredArgument("keepdims", "keepdims", JSON.booleanNode(false)))),
            Map.entry("Normalize", List.of(new ConfiguredArgument("axis", "axis", JSON.numberNode(-1)),
                    new ConfiguredArgument("order", "order", JSON.numberNode(2)),
                    new ConfiguredArgument("epsilon", "epsilon", JSON.nullNode()))),
            Map.entry("Norm", List.of(new ConfiguredArgument("axis", "axis", null),
                    new ConfiguredArgument("keepdims", "keepdims", JSON.booleanNode(false)),
                    new ConfiguredArgument("ord", "ord", null))),
            Map.entry("Reshape", List.of(new ConfiguredArgument("newshape", "shape", null),
                    new ConfiguredArgument("new_shape", "shape", null))),
            Map.entry("Transpose", List.of(new ConfiguredArgument("axes", "perm", null))),
            Map.entry("ExpandDims", List.of(new ConfiguredArgument("axis", "axis", null))),
            Map.entry("Softmax", List.of(new ConfiguredArgument("axis", "axis", JSON.numberNode(-1)))),
            Map.entry("LeakyRelu", List.of(new ConfiguredArgument("negative_slope", "alpha", JSON.numberNode(0.2)))),
            Map.entry("Gelu", List.of(new ConfiguredArgument("approximate", "approximate", JSON.booleanNode(true)))),
            Map.entry("Elu", List.of(new ConfiguredArgument("alpha", "alpha", JSON.numberNode(1.0)))),
            Map.entry("Celu", List.of(new ConfiguredArgument("alpha", "alpha", JSON.numberNode(1.0)))),
            Map.entry("SoftShrink", List.of(new ConfiguredArgument("threshold", "threshold", JSON.numberNode(0.5)))),
            Map.entry("HardShrink", List.of(new ConfiguredArgument("threshold", "threshold", JSON.numberNode(0.5)))),
            Map.entry("Squareplus", List.of(new ConfiguredArgument("b", "b", JSON.numberNode(4)))),
            Map.entry("LogSoftmax", List.of(new ConfiguredArgument("axis", "axis", JSON.numberNode(-1)))),
            Map.entry("Sparsemax", List.of(new ConfiguredArgument("axis", "axis", JSON.numberNode(-1)))),
            Map.entry("Flip", List.of(new ConfiguredArgument("axis", "axis", null))),
            Map.entry("Squeeze", List.of(new ConfiguredArgument("axis", "axis", null))),
            // NumPy's indices (not tf.split's sizes): kept under Keras 3's own name
            Map.entry("Split", List.of(new ConfiguredArgument("indices_or_sections", "indices_or_sections", null),
                    new ConfiguredArgument("axis", "axis", JSON.numberNode(0)))),
            Map.entry("Cast", List.of(new ConfiguredArgument("dtype", "dtype", null))),
            Map.entry("Round", List.of(new ConfiguredArgument("decimals", "decimals", JSON.numberNode(0)))),
            Map.entry("Clip", List.of(new ConfiguredArgument("x_min", "clip_value_min", null),
                    new ConfiguredArgument("x_max", "clip_value_max", null))),
            Map.entry("Pad", List.of(new ConfiguredArgument("pad_width", "paddings", null),
                    new ConfiguredArgument("mode", "mode", JSON.textNode("constant")))),
            // ops.image.resize: tf.image.resize's arguments, and Keras 3's own (read as Resizing's)
            Map.entry("Resize", List.of(new ConfiguredArgument("size", "size", null),
                    new ConfiguredArgument("interpolation", "method", JSON.textNode("bilinear")),
                    new ConfiguredArgument("antialias", "antialias", JSON.booleanNode(false)),
                    new ConfiguredArgument("crop_to_aspect_ratio", "crop_to_aspect_ratio", null),
                    new ConfiguredArgument("pad_to_aspect_ratio", "pad_to_aspect_ratio", null),
                    new ConfiguredArgument("fill_mode", "fill_mode", null),
                    new ConfiguredArgument("fill_value", "fill_value", null),
                    new ConfiguredArgument("data_format", "data_format", null))));

    /** Keras 3 operations on a list of tensors, their axis in the operation's config (NumPy's default 0). */
    private static final Set<String> LIST_OPERATIONS = Set.of("Stack", "Concatenate");

    private static boolean isOperation(JsonNode entry) {
        String module = entry.path("module").asText("");
        if (module.startsWith("keras.src.ops.") || module.startsWith("keras.ops.")) return true;
        // Keras 3's legacy .h5 leaves every module out: an operation's config has neither trainable nor dtype
        JsonNode c = entry.path("config");
        return !entry.has("module") && entry.path("inbound_nodes").path(0).has("args") && c.isObject()
                && !c.has("trainable") && !c.has("dtype");
    }

    /** An element-wise operation of two tensors: read as the merge layer of the same name. */
    private static boolean elementwiseOfTensors(JsonNode entry) {
        if (!ELEMENTWISE_OPS.contains(entry.path("class_name").asText())) return false;
        JsonNode args = entry.path("inbound_nodes").path(0).path("args");
        if (!args.isArray() || args.size() != 2) return false;
        for (JsonNode a : args) {
            if (!a.path("class_name").asText().equals("__keras_tensor__")) return false;
        }
        return true;
    }

    /**
     * A Keras 3 operation called on a Keras tensor (and a constant, or a second tensor), as the
     * TFOpLambda tf.keras would have written: Keras 3 saves its call's arguments as they were,
     * {@code {"args": [tensor, 0.5], "kwargs": {}}}.
     */
    private ObjectNode keras3Operation(JsonNode entry, String where, Set<String> models) {
        String cls = entry.get("class_name").asText();
        JsonNode nodes = entry.get("inbound_nodes");
        if (nodes == null || !nodes.isArray() || nodes.size() != 1 || !nodes.get(0).path("args").isArray()) {
            throw new ModelFileException(file + ": " + where + " (Keras 3 operation " + cls + ") must be called exactly"
                    + " once; its inbound nodes are " + abbreviate(nodes));
        }
        JsonNode args = nodes.get(0).get("args");
        ObjectNode kwargs = JSON.objectNode();
        JsonNode first = args.path(0);
        if (LIST_OPERATIONS.contains(cls)) {
            // ops.stack(xs, axis) and ops.concatenate(xs, axis): the tensors as one list argument, the axis configured
            if (args.size() != 1 || !first.isArray() || first.isEmpty()) {
                throw new ModelFileException(file + ": " + where + " (Keras 3 operation " + cls + ") is not called on one"
                        + " list of tensors: " + abbreviate(args));
            }
            kwargs.set("axis", entry.path("config").has("axis") ? entry.path("config").get("axis") : JSON.numberNode(0));
            ArrayNode list = JSON.arrayNode();
            for (JsonNode t : first) list.add(tensor(t, where, models, kwargs));
            return lambda(entry, cls, list);
        }
        boolean firstIsTensor = first.path("class_name").asText().equals("__keras_tensor__");
        if (args.size() == 2) {
            JsonNode second = args.get(1);
            // the second argument under tf.keras' name for it: x[key]'s slice_spec, else y
            kwargs.set(cls.equals("GetItem") ? "slice_spec" : cls.equals("Take") ? "indices" : "y", second.path("class_name").asText().equals("__keras_tensor__")
                    ? tensor(second, where, models, JSON.objectNode()) : constant(second, where, cls));
        } else if (args.size() != 1) {
            throw new ModelFileException(file + ": " + where + " (Keras 3 operation " + cls + ") is called with "
                    + args.size() + " arguments");
        }
        JsonNode config = entry.path("config");
        for (ConfiguredArgument a : CONFIGURED_ARGUMENTS.getOrDefault(cls, List.of())) {
            JsonNode v = config.has(a.key()) ? config.get(a.key()) : a.fallback();
            if (v != null && !kwargs.has(a.tfName())) kwargs.set(a.tfName(), v.deepCopy());
        }
        if (cls.equals("Moveaxis") || cls.equals("Swapaxes")) kwargs.set("perm", permutation(cls, config, first, where));
        if (cls.equals("PadImages") || cls.equals("CropImages")) imageSides(cls, config, first, where, kwargs);
        // ops.max_pool / ops.average_pool: the pooling's rank from the tensor's shape (pool_size may be one number)
        if ((cls.equals("MaxPool") || cls.equals("AveragePool")) && first.path("config").path("shape").isArray()) {
            kwargs.put("rank", first.path("config").path("shape").size() - 2);
        }
        // ops.pad passes its fill value at the call: {"kwargs": {"constant_values": ...}}
        JsonNode fill = nodes.get(0).path("kwargs").path("constant_values");
        if (cls.equals("Pad") && !fill.isMissingNode()) kwargs.set("constant_values", fill.deepCopy());
        if (cls.equals("Prod") && config.hasNonNull("dtype") && !config.get("dtype").asText().equals("float32")) {
            throw new ModelFileException(file + ": " + where + " (Keras 3 operation Prod) has dtype="
                    + abbreviate(config.get("dtype")) + "; kdnn computes in float32");
        }
        if ((cls.equals("Max") || cls.equals("Min")) && config.hasNonNull("initial")) {
            throw new ModelFileException(file + ": " + where + " (Keras 3 operation " + cls + ") has initial="
                    + abbreviate(config.get("initial")) + ", which kdnn does not read");
        }
        ArrayNode call = firstIsTensor ? tensor(first, where, models, kwargs)
                : JSON.arrayNode().add("_CONSTANT_VALUE").add(-1).add(constant(first, where, cls)).add(kwargs);
        return lambda(entry, cls, call);
    }

    /**
     * NumPy's permutation of {@code moveaxis(x, source, destination)} or {@code swapaxes(x, axis1, axis2)}
     * for the rank of the tensor {@code first} (Keras 3 writes its shape beside it).
     */
    private ArrayNode permutation(String cls, JsonNode config, JsonNode first, String where) {
        JsonNode shape = first.path("config").path("shape");
        if (!shape.isArray()) {
            throw new ModelFileException(file + ": " + where + " (Keras 3 operation " + cls + ") is called on a tensor whose"
                    + " shape the file does not give; its rank says the permutation");
        }
        int rank = shape.size();
        List<Integer> from = axes(config.path(cls.equals("Swapaxes") ? "axis1" : "source"), rank, cls, where);
        List<Integer> to = axes(config.path(cls.equals("Swapaxes") ? "axis2" : "destination"), rank, cls, where);
        if (from.size() != to.size() || new HashSet<>(from).size() != from.size() || new HashSet<>(to).size() != to.size()) {
            throw new ModelFileException(file + ": " + where + " (Keras 3 operation " + cls + ") has axes " + from + " and "
                    + to + ": of one count, none repeated");
        }
        List<Integer> order = new java.util.ArrayList<>();
        if (cls.equals("Swapaxes")) {
            for (int a = 0; a < rank; a++) order.add(a == from.get(0) ? to.get(0) : a == to.get(0) ? from.get(0) : a);
        } else {
            // NumPy: the other axes in order, then each source inserted at its destination, lowest destination first
            for (int a = 0; a < rank; a++) if (!from.contains(a)) order.add(a);
            java.util.TreeMap<Integer, Integer> byDestination = new java.util.TreeMap<>();
            for (int i = 0; i < from.size(); i++) byDestination.put(to.get(i), from.get(i));
            byDestination.forEach((destination, source) -> order.add(destination, source));
        }
        ArrayNode perm = JSON.arrayNode();
        order.forEach(perm::add);
        return perm;
    }

    /**
     * {@code ops.image.pad_images} / {@code crop_images}: two of each side's three numbers (before, after,
     * the target length) given, the third worked out from the image's height and width in the file, as
     * Keras does; its checks and words. Written into {@code kwargs} as {@code sides}
     * {@code [[top, bottom], [left, right]]} and {@code data_format}.
     */
    private void imageSides(String cls, JsonNode config, JsonNode first, String where, ObjectNode kwargs) {
        boolean pad = cls.equals("PadImages");
        String word = pad ? "padding" : "cropping";
        JsonNode shape = first.path("config").path("shape");
        String format = config.path("data_format").asText("channels_last");
        if (!shape.isArray() || shape.size() != 4) {
            throw new ModelFileException(file + ": " + where + " (Keras 3 operation " + cls + ") is called on a tensor of"
                    + " shape " + abbreviate(shape) + "; kdnn reads a batch of images of known rank 4");
        }
        boolean first1 = format.equals("channels_first");
        JsonNode[] lengths = {shape.get(first1 ? 2 : 1), shape.get(first1 ? 3 : 2)};
        String[][] keys = {{"top_" + word, "bottom_" + word, "target_height"}, {"left_" + word, "right_" + word, "target_width"}};
        ArrayNode sides = JSON.arrayNode();
        for (int a = 0; a < 2; a++) {
            JsonNode before = config.path(keys[a][0]);
            JsonNode after = config.path(keys[a][1]);
            JsonNode target = config.path(keys[a][2]);
            int given = (before.isNumber() ? 1 : 0) + (after.isNumber() ? 1 : 0) + (target.isNumber() ? 1 : 0);
            if (given != 2) {
                throw new ModelFileException(file + ": " + where + " (Keras 3 operation " + cls + "): Must specify exactly"
                        + " two of " + String.join(", ", keys[a]) + ". Received: " + keys[a][0] + "=" + before + ", "
                        + keys[a][1] + "=" + after + ", " + keys[a][2] + "=" + target);
            }
            if (!lengths[a].canConvertToInt()) {
                throw new ModelFileException(file + ": " + where + " (Keras 3 operation " + cls + ") needs the image's "
                        + (a == 0 ? "height" : "width") + ", which the file leaves open");
            }
            int length = lengths[a].asInt();
            // Keras: a missing side is the target less the other side and the length (padding), or the length less
            // the target and the other side (cropping)
            int b = before.isNumber() ? before.asInt() : pad ? target.asInt() - after.asInt() - length
                    : length - target.asInt() - after.asInt();
            int e = after.isNumber() ? after.asInt() : pad ? target.asInt() - b - length : length - target.asInt() - b;
            for (int k = 0; k < 2; k++) {
                int v = k == 0 ? b : e;
                if (v < 0) {
                    throw new ModelFileException(file + ": " + where + " (Keras 3 operation " + cls + "): " + keys[a][k]
                            + " must be >= 0. Received: " + keys[a][k] + "=" + v);
                }
            }
            if (!pad && length - b - e <= 0) {
                throw new ModelFileException(file + ": " + where + " (Keras 3 operation " + cls + "): " + keys[a][2]
                        + " must be > 0. Received: " + keys[a][2] + "=" + (length - b - e));
            }
            sides.addArray().add(b).add(e);
        }
        kwargs.set("sides", sides);
        kwargs.put("data_format", format);
    }

    /** One axis or a list of them, each in range for {@code rank} and taken non-negative. */
    private List<Integer> axes(JsonNode v, int rank, String cls, String where) {
        List<Integer> out = new java.util.ArrayList<>();
        for (JsonNode a : v.isArray() ? v : JSON.arrayNode().add(v)) {
            if (!a.isIntegralNumber() || a.asInt() < -rank || a.asInt() >= rank) {
                throw new ModelFileException(file + ": " + where + " (Keras 3 operation " + cls + ") has axis "
                        + abbreviate(a) + ", not an axis of a tensor of rank " + rank);
            }
            out.add(a.asInt() < 0 ? a.asInt() + rank : a.asInt());
        }
        return out;
    }

    /** The TFOpLambda of a Keras 3 operation's entry, with its one call. */
    private static ObjectNode lambda(JsonNode entry, String cls, ArrayNode call) {
        ObjectNode lambda = JSON.objectNode();
        lambda.put("class_name", "TFOpLambda");
        ObjectNode config = lambda.putObject("config");
        config.put("name", LayerTree.nameOf(entry));
        config.put("function", KERAS3_OPERATIONS.get(cls));
        lambda.put("name", LayerTree.nameOf(entry));
        lambda.putArray("inbound_nodes").add(call);
        return lambda;
    }

    /**
     * A constant argument of a Keras 3 operation: a number or list as written, or the value of a
     * tensor or NumPy array, which Keras 3 writes as {@code {"class_name": "__tensor__" or
     * "__numpy__", "config": {"value": [...], "dtype": ...}}} (as its ImageNet preprocessing's mean
     * and standard deviation are). Only float32 ones: another dtype would change the result's.
     */
    private JsonNode constant(JsonNode arg, String where, String cls) {
        String kind = arg.path("class_name").asText("");
        if (!arg.isObject() || !(kind.equals("__tensor__") || kind.equals("__numpy__"))) return arg.deepCopy();
        JsonNode dtype = arg.path("config").path("dtype");
        if (!dtype.isMissingNode() && !dtype.isNull() && !dtype.asText().equals("float32")) {
            throw new ModelFileException(file + ": " + where + " (Keras 3 operation " + cls + ") has a constant of dtype "
                    + abbreviate(dtype) + "; kdnn computes in float32 and reads float32 constants only");
        }
        JsonNode value = arg.path("config").path("value");
        // a constant shaped (1, ..., 1, C) to broadcast against the last axis, as Keras 3 reshapes its ImageNet mean
        while (value.isArray() && value.size() == 1 && value.get(0).isArray()) value = value.get(0);
        return value.deepCopy();
    }

    /**
     * TensorFlow Addons' GroupNormalization and InstanceNormalization (a group per channel) as Keras'
     * GroupNormalization, which computes the same with the same arguments and weights; tf.keras
     * writes them as {@code "Addons>..."}, or from 2.13 as the class with that registered name.
     */
    private static JsonNode addonsNormalization(JsonNode entry) {
        String cls = entry.path("class_name").asText();
        String registered = cls.startsWith("Addons>") ? cls : entry.path("module").asText("").startsWith("tensorflow_addons.")
                ? entry.path("registered_name").asText("") : "";
        boolean instance = registered.equals("Addons>InstanceNormalization");
        if (!instance && !registered.equals("Addons>GroupNormalization")) return entry;
        ObjectNode e = (ObjectNode) entry.deepCopy();
        e.put("class_name", "GroupNormalization");
        e.remove("module");
        e.remove("registered_name");
        if (instance && e.get("config") instanceof ObjectNode c) c.put("groups", -1);
        return e;
    }

    /** "module.Class" or the registered name of a class not from Keras, or null for Keras' own. */
    private static String customName(JsonNode o) {
        JsonNode module = o.get("module");
        JsonNode registered = o.get("registered_name");
        if (module != null && module.isTextual() && !module.asText().equals("keras")
                && !module.asText().startsWith("keras.")) {
            return "module \"" + module.asText() + "\"" + (registered != null && registered.isTextual()
                    ? ", registered as \"" + registered.asText() + "\"" : "");
        }
        if (registered != null && registered.isTextual() && registered.asText().contains(">")) {
            return "registered as \"" + registered.asText() + "\"";
        }
        return null;
    }

    private ModelFileException keras1(String what) {
        return new ModelFileException(file + ": " + what + ": this is a Keras 1 model, which kdnn does not read"
                + " (load and re-save it with Keras 2 or later)");
    }

    /** The entry without Keras 3's serialization metadata. */
    private static ObjectNode stripped(JsonNode entry) {
        ObjectNode out = JSON.objectNode();
        entry.properties().forEach(e -> {
            if (!METADATA.contains(e.getKey()) && !e.getKey().equals("config")) {
                out.set(e.getKey(), e.getValue().deepCopy());
            }
        });
        return out;
    }

    /** The policies of mixed or half precision training, read as float32 where the process allows it. */
    private static final Set<String> HALF_PRECISION = Set.of("mixed_float16", "mixed_bfloat16", "float16", "bfloat16");

    /**
     * {@code -Dkdnn.mixedPrecision=float32} (or {@code KDNN_MIXED_PRECISION}): a layer of a
     * mixed-precision model (a float16 or bfloat16 policy) is computed in float32. Its outputs are
     * then closer to the exact values than Keras' own half-precision arithmetic, not equal to them;
     * by default such a layer is refused.
     */
    static boolean halfPrecisionAsFloat32() {
        String s = System.getProperty("kdnn.mixedPrecision");
        if (s == null || s.isBlank()) s = System.getenv("KDNN_MIXED_PRECISION");
        if (s == null || s.isBlank() || s.trim().equalsIgnoreCase("refuse")) return false;
        if (s.trim().equalsIgnoreCase("float32")) return true;
        throw new IllegalArgumentException("kdnn.mixedPrecision must be refuse (the default) or float32, got \"" + s + "\"");
    }

    /**
     * A wrapper's layers and a recurrent layer's cells: their configs as any layer's (Keras 3 writes
     * their dtypes as policies).
     */
    private void normalizeInnerDtypes(String cls, ObjectNode c, String where) {
        List<String> keys = switch (cls) {
            case "TimeDistributed", "SpectralNormalization" -> List.of("layer");
            case "Bidirectional" -> List.of("layer", "backward_layer");
            case "RNN" -> List.of("cell");
            case "StackedRNNCells" -> List.of("cells");
            default -> List.of();
        };
        for (String key : keys) {
            JsonNode v = c.path(key);
            for (JsonNode inner : v.isArray() ? v : List.of(v)) {
                if (inner.path("config") instanceof ObjectNode ic) {
                    normalizeDtype(ic, where + ", its " + key);
                    normalizeInnerDtypes(inner.path("class_name").asText(""), ic, where + ", its " + key);
                }
            }
        }
    }

    private void normalizeDtype(ObjectNode config, String where) {
        JsonNode d = config.get("dtype");
        if (d != null && d.isTextual() && HALF_PRECISION.contains(d.asText()) && halfPrecisionAsFloat32()) {
            config.set("dtype", TextNode.valueOf("float32"));
            return;
        }
        if (d == null || !d.isObject()) {
            return;
        }
        String cls = d.path("class_name").asText();
        if (!POLICIES.contains(cls)) {
            throw new ModelFileException(file + ": " + where + " has a dtype that is neither a name nor a dtype policy: "
                    + abbreviate(d));
        }
        String policy = d.path("config").path("name").asText(null);
        if ("int32".equals(policy) || "int64".equals(policy)) {
            config.set("dtype", TextNode.valueOf(policy)); // indices: the layer's reader says whether it takes them
            return;
        }
        boolean half = HALF_PRECISION.contains(policy);
        if (!"float32".equals(policy) && !(half && halfPrecisionAsFloat32())) {
            throw new ModelFileException(file + ": " + where + " has dtype policy " + cls + " \"" + policy
                    + "\"; kdnn computes in float32 only" + (half ? " (-Dkdnn.mixedPrecision=float32 computes such a"
                    + " layer in float32: closer to the exact values than Keras' half precision, not equal to its outputs)"
                    : ""));
        }
        config.set("dtype", TextNode.valueOf("float32"));
    }

    /** A layer argument: serialized Keras objects (initializers, regularizers...) lose their metadata. */
    private JsonNode value(JsonNode v, String where) {
        if (v.isArray()) {
            ArrayNode out = JSON.arrayNode();
            for (JsonNode x : v) out.add(value(x, where));
            return out;
        }
        if (!v.isObject()) {
            return v;
        }
        if (v.has("class_name")) {
            String cls = v.path("class_name").asText();
            if (cls.equals("__lambda__") || cls.equals("function") && customName(v) != null) {
                throw new ModelFileException(file + ": " + where + " is a Python function (" + abbreviate(v.get("config"))
                        + "), which cannot be loaded from a model file");
            }
            String custom = customName(v);
            if (custom != null) {
                throw new ModelFileException(file + ": " + where + " is a custom class " + cls + " (" + custom
                        + "): its code is not in the model file");
            }
        }
        ObjectNode out = JSON.objectNode();
        v.properties().forEach(e -> {
            boolean serialized = v.has("class_name") && v.has("config");
            if (!(serialized && METADATA.contains(e.getKey()))) {
                out.set(e.getKey(), value(e.getValue(), where));
            }
        });
        return out;
    }

    /** The operations Keras 3 writes for the masks it derives. */
    private static final Set<String> MASK_OPERATIONS = Set.of("NotEqual", "Equal", "Any", "All", "LogicalOr",
            "LogicalAnd", "LogicalNot", "ExpandDims", "Cast", "ZerosLike", "OnesLike", "BroadcastTo", "Concatenate");

    /** A call argument marking that the file passed this call a mask (kdnn derives it; ModelConfigs checks it did). */
    static final String EXPLICIT_MASK = "__keras3_mask__";

    /**
     * The names of a Keras 3 model's mask operations whose outputs only feed calls' {@code mask}
     * arguments or other such operations (Keras' derived masks), found by walking back from them.
     */
    private static Set<String> maskOnlyOperations(JsonNode layers) {
        Map<String, JsonNode> byName = new java.util.HashMap<>();
        for (JsonNode l : layers) byName.put(LayerTree.nameOf(l), l);
        // every tensor use: as a mask (a call's `mask` kwarg) or otherwise
        Set<String> usedOtherwise = new HashSet<>();
        Set<String> usedAsMask = new HashSet<>();
        for (JsonNode l : layers) {
            for (JsonNode call : l.path("inbound_nodes")) {
                if (!call.isObject()) continue;
                boolean maskOp = isMaskOperation(l);
                collectHistory(call.path("args"), maskOp ? usedAsMask : usedOtherwise);
                call.path("kwargs").properties().forEach(e -> collectHistory(e.getValue(),
                        e.getKey().equals("mask") || maskOp ? usedAsMask : usedOtherwise));
            }
        }
        Set<String> out = new HashSet<>();
        for (String n : usedAsMask) {
            JsonNode l = byName.get(n);
            if (l != null && isMaskOperation(l)) out.add(n);
        }
        out.removeAll(usedOtherwise);
        return out;
    }

    /** A mask operation: no Keras layer has these class names (Keras 3's legacy .h5 leaves an operation's module out). */
    private static boolean isMaskOperation(JsonNode l) {
        return MASK_OPERATIONS.contains(l.path("class_name").asText()) && (isOperation(l) || !l.has("module"));
    }

    private static void collectHistory(JsonNode v, Set<String> into) {
        if (v.isObject() && v.path("class_name").asText().equals("__keras_tensor__")) {
            JsonNode h = v.path("config").path("keras_history");
            if (h.isArray() && h.size() > 0) into.add(h.get(0).asText());
            return;
        }
        for (JsonNode c : v) collectHistory(c, into);
    }

    private ArrayNode inboundNodes(JsonNode nodes, String where, Set<String> models, String cls) {
        if (nodes == null || nodes.isNull()) {
            return JSON.arrayNode();
        }
        if (!nodes.isArray()) {
            throw new ModelFileException(file + ": " + where + " has \"inbound_nodes\" that is not a list: " + abbreviate(nodes));
        }
        ArrayNode out = JSON.arrayNode();
        for (JsonNode call : nodes) {
            if (call.isArray()) {
                out.add(call.deepCopy()); // Keras 2's form already
            } else if (call.isObject() && call.has("args")) {
                out.add(keras3Call(call, where, models, cls));
            } else {
                throw new ModelFileException(file + ": " + where + " has an inbound node of unknown form: " + abbreviate(call));
            }
        }
        return out;
    }

    /** Keras 3's {@code {"args": [...], "kwargs": {...}}} as Keras 2's list of [layer, node, tensor, kwargs]. */
    private ArrayNode keras3Call(JsonNode call, String where, Set<String> models, String cls) {
        ObjectNode kwargs = JSON.objectNode();
        JsonNode kw = call.path("kwargs");
        // a recurrent layer's initial_state: after the sequence, as tf.keras lists a call's inputs
        JsonNode initial = kw.path("initial_state");
        if (kw.isObject()) {
            kw.properties().forEach(e -> {
                if (e.getKey().equals("initial_state") && containsTensor(e.getValue())) return;
                if (e.getKey().equals("mask") && containsTensor(e.getValue())) {
                    kwargs.put(EXPLICIT_MASK, true); // the mask Keras derived; kdnn derives it again
                    return;
                }
                if (kdnn.internal.AttentionCalls.CLASS_NAMES.contains(cls) && kdnn.internal.AttentionCalls.TENSOR_KWARGS.contains(e.getKey())
                        && containsTensor(e.getValue())) {
                    // an attention's value, key and mask: as Keras 2 writes them, [layer, node, tensor]
                    ArrayNode ref = tensor(e.getValue(), where, models, JSON.objectNode());
                    ref.remove(3);
                    kwargs.set(e.getKey(), ref);
                    return;
                }
                if (containsTensor(e.getValue())) {
                    throw new ModelFileException(file + ": " + where + " is called with a tensor as keyword argument \""
                            + e.getKey() + "\"; kdnn reads layers whose tensor inputs are positional");
                }
                // Keras 3 records mask=None on every call of a masking-aware layer; Keras 2 writes no such key
                if (!(e.getKey().equals("mask") && e.getValue().isNull())) {
                    kwargs.set(e.getKey(), e.getValue().deepCopy());
                }
            });
        }
        ArrayNode tensors = JSON.arrayNode();
        JsonNode args = call.get("args");
        if (!args.isArray()) {
            throw new ModelFileException(file + ": " + where + " has an inbound node whose \"args\" is not a list");
        }
        if (args.isEmpty() && kwargs.get("query") instanceof ArrayNode query) {
            // an attention called with query= as a keyword: Keras 2's form names the query as the call's tensor
            kwargs.remove("query");
            tensors.add(query.deepCopy().add(kwargs.deepCopy()));
        }
        for (int i = 0; i < args.size(); i++) {
            JsonNode a = args.get(i);
            if (a.isArray()) {
                for (JsonNode t : a) tensors.add(tensor(t, where, models, kwargs));
            } else {
                tensors.add(tensor(a, where, models, kwargs));
            }
        }
        if (containsTensor(initial)) {
            // nested per cell for stacked cells ([[h, c], h]): the states in order
            ArrayNode flat = JSON.arrayNode();
            flattenEndpoints(initial.isArray() ? initial : JSON.arrayNode().add(initial), flat);
            for (JsonNode t : flat) tensors.add(tensor(t, where, models, kwargs));
        }
        return tensors;
    }

    private ArrayNode tensor(JsonNode t, String where, Set<String> models, ObjectNode kwargs) {
        if (!t.isObject() || !t.path("class_name").asText().equals("__keras_tensor__")) {
            throw new ModelFileException(file + ": " + where + " is called with an argument that is not a tensor: "
                    + abbreviate(t) + "; kdnn reads calls whose positional arguments are tensors");
        }
        JsonNode h = t.path("config").path("keras_history");
        if (!h.isArray() || h.size() != 3 || !h.get(0).isTextual() || !h.get(1).canConvertToInt()
                || !h.get(2).canConvertToInt()) {
            throw new ModelFileException(file + ": " + where + " has a tensor whose keras_history is not [layer, node,"
                    + " tensor]: " + abbreviate(h));
        }
        String layer = h.get(0).asText();
        // Keras 3 numbers a nested model's calls from 0; Keras 2 from 1 (its node 0 links its own input to output)
        int node = h.get(1).asInt() + (models.contains(layer) ? 1 : 0);
        ArrayNode out = JSON.arrayNode();
        out.add(layer).add(node).add(h.get(2).asInt()).add(kwargs.deepCopy());
        return out;
    }

    private static boolean containsTensor(JsonNode v) {
        if (v.isObject() && v.path("class_name").asText().equals("__keras_tensor__")) return true;
        for (JsonNode c : v) {
            if (containsTensor(c)) return true;
        }
        return false;
    }

    /**
     * input_layers / output_layers as a list of [layer, node, tensor]. Keras 3 writes one such
     * triple bare, and counts a nested Sequential's calls from 0 (a nested functional model's
     * from 1, as Keras 2 counts both); {@code keras3Sequentials} names the nested Sequentials of
     * a Keras 3 config, whose numbers move up by one.
     */
    private ArrayNode endpoints(JsonNode e, String key, String model, Set<String> keras3Sequentials) {
        if (e == null || !e.isArray()) {
            throw new ModelFileException(file + ": model \"" + model + "\" has no \"" + key + "\" list");
        }
        ArrayNode list = JSON.arrayNode();
        if (e.size() > 0 && e.get(0).isTextual()) {
            list.add(e.deepCopy());
        } else {
            flattenEndpoints(e, list);
        }
        ArrayNode out = JSON.arrayNode();
        for (JsonNode x : list) {
            if (!x.isArray() || x.size() != 3 || !x.get(0).isTextual() || !x.get(1).canConvertToInt()) {
                throw new ModelFileException(file + ": model \"" + model + "\" has an entry of \"" + key
                        + "\" that is not [layer, node, tensor]: " + abbreviate(x));
            }
            ArrayNode t = (ArrayNode) x;
            if (keras3Sequentials.contains(t.get(0).asText())) {
                t.set(1, JSON.numberNode(t.get(1).asInt() + 1));
            }
            out.add(t);
        }
        return out;
    }

    /**
     * Keras 3 nests the endpoints of a layer's nested outputs as they are nested (an RNN over stacked
     * cells returns [output, [h, c], h]): its tensors in order, the nesting dropped.
     */
    private static void flattenEndpoints(JsonNode e, ArrayNode out) {
        for (JsonNode x : e) {
            if (x.isArray() && x.size() > 0 && (x.get(0).isArray() || x.get(0).isObject())) flattenEndpoints(x, out);
            else out.add(x.deepCopy());
        }
    }

    /** Whether a functional model's config is Keras 3's: its calls are {"args", "kwargs"} records. */
    private static boolean isKeras3(JsonNode modelEntry, JsonNode layers) {
        if (modelEntry.has("module") || modelEntry.has("registered_name")) {
            return true;
        }
        for (JsonNode l : layers) {
            for (JsonNode call : l.path("inbound_nodes")) {
                if (call.isObject()) return true;
            }
        }
        return false;
    }

    static String abbreviate(JsonNode n) {
        String s = String.valueOf(n);
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
