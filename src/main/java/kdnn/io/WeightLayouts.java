package kdnn.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The weights each known Keras layer class has, in {@code get_weights()} order, as its config
 * decides them (use_bias, center, scale). Keras 3 names a few differently (DepthwiseConv's
 * kernel is "kernel", not "depthwise_kernel"). Null for a class this table does not know.
 */
final class WeightLayouts {
    private static final Set<String> WEIGHTLESS = Set.of("InputLayer", "Activation", "ReLU", "LeakyReLU", "ELU",
            "Softmax", "ThresholdedReLU", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
            "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Masking", "Identity",
            "Flatten", "Reshape", "Permute", "RepeatVector", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
            "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
            "GlobalMaxPooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
            "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D",
            "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
            "Cropping1D", "Cropping2D", "Cropping3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
            "UpSampling1D", "UpSampling2D", "UpSampling3D", "Add", "Subtract", "Multiply", "Average", "Maximum",
            "Minimum", "Concatenate", "Dot", "CustomScaleLayer", "MelSpectrogram", "UnitNormalization", "Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom",
            "RandomTranslation", "RandomContrast", "RandomBrightness", "RandomCrop", "RandomResizedCrop", "StochasticDepth", "Rescaling",
            "RandomGrayscale", "RandomHue", "RandomSaturation", "RandomSharpness", "RandomShear", "RandomPosterization",
            "RandomColorJitter", "RandomColorDegeneration", "RandomInvert", "RandomPerspective", "RandomElasticTransform",
            "RandomGaussianBlur", "RandomErasing", "Solarization", "Equalization", "MixUp", "CutMix", "AugMix",
            "RandAugment", "AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization", "RandomHeight", "RandomWidth", "CategoryEncoding", "Discretization",
            "TrueDivide", "GetItem", "Stack", "Squeeze", "Split", "Sqrt", "Square", "Absolute", "Log", "Rsqrt", "Reciprocal",
            "Mean", "Max", "Min", "Sum", "Prod", "Norm", "Var", "Std", "DepthToSpace", "SpaceToDepth", "Pad", "Matmul", "Clip", "Power", "ConstantMaximum", "ConstantMinimum", "Normalize", "Tile", "Repeat", "RGBToGrayscale", "Take", "Moments", "ConstantMatmul", "LocalResponseNormalization", "PerImageStandardization", "Argmax", "Argmin", "Einsum", "Logsumexp",
            "Sign", "Floor", "Ceil", "Round", "Sin", "Cos", "Tan", "Expm1", "Log1p", "Erf");

    private WeightLayouts() {
    }

    /** The weights' short names in {@code get_weights()} order, or null when the class is unknown here. */
    static List<String> names(String className, JsonNode config, int kerasMajor) {
        if (WEIGHTLESS.contains(className)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        switch (className) {
            case "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Dense",
                 "LocallyConnected1D", "LocallyConnected2D" -> {
                out.add("kernel");
                if (flag(config, "use_bias")) out.add("bias");
            }
            case "DepthwiseConv1D", "DepthwiseConv2D" -> {
                out.add(kerasMajor == 3 ? "kernel" : "depthwise_kernel");
                if (flag(config, "use_bias")) out.add("bias");
            }
            case "SeparableConv1D", "SeparableConv2D" -> {
                out.add("depthwise_kernel");
                out.add("pointwise_kernel");
                if (flag(config, "use_bias")) out.add("bias");
            }
            case "BatchNormalization", "SyncBatchNormalization" -> {
                if (flag(config, "scale")) out.add("gamma");
                if (flag(config, "center")) out.add("beta");
                out.add("moving_mean");
                out.add("moving_variance");
                if (config.path("renorm").asBoolean(false)) {
                    out.add("moving_stddev");
                    out.add("renorm_mean");
                    out.add("renorm_stddev");
                }
            }
            case "LayerNormalization", "GroupNormalization" -> {
                // Keras 3's rms_scaling: gamma always, beta never
                boolean rms = config.path("rms_scaling").asBoolean(false);
                if (rms || flag(config, "scale")) out.add("gamma");
                if (!rms && flag(config, "center")) out.add("beta");
            }
            case "RMSNormalization" -> out.add("scale");
            case "PReLU" -> out.add("alpha");
            case "CuDNNLSTM", "CuDNNGRU" -> out.addAll(List.of("kernel", "recurrent_kernel", "bias"));
            case "SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D" -> {
                out.add("kernel");
                out.add("recurrent_kernel");
                if (flag(config, "use_bias")) out.add("bias");
            }
            case "RNN" -> {
                // Keras' RNN layer: its cell's weights, a StackedRNNCells' cells' in order
                JsonNode cell = config.path("cell");
                boolean stacked = cell.path("class_name").asText("").equals("StackedRNNCells");
                for (JsonNode c : stacked ? cell.path("config").path("cells") : List.of(cell)) {
                    String layer = switch (c.path("class_name").asText("")) {
                        case "LSTMCell" -> "LSTM";
                        case "GRUCell" -> "GRU";
                        case "SimpleRNNCell" -> "SimpleRNN";
                        default -> null;
                    };
                    if (layer == null) return null;
                    out.addAll(names(layer, c.path("config"), kerasMajor));
                }
            }
            case "EinsumDense" -> {
                out.add("kernel");
                if (config.hasNonNull("bias_axes")) out.add("bias");
            }
            case "LayerScale" -> out.add("gamma");
            case "STFTSpectrogram" -> {
                String mode = config.path("mode").asText("log");
                if (!mode.equals("imag")) out.add("real_kernel");
                if (!mode.equals("real")) out.add("imag_kernel");
            }
            case "Normalization" -> {
                JsonNode mean = config.get("mean");
                if (mean == null || mean.isNull()) out.addAll(List.of("mean", "variance", "count"));
            }
            case "Embedding" -> out.add("embeddings");
            case "Attention" -> {
                if (config.path("use_scale").asBoolean(false)) out.add("scale");
                if ("concat".equals(config.path("score_mode").asText("dot"))) out.add("concat_score_weight");
            }
            case "AdditiveAttention" -> {
                if (flag(config, "use_scale")) out.add("scale");
            }
            case "MultiHeadAttention", "GroupedQueryAttention" -> {
                // Keras 3's gate sits between the key and the value
                boolean gate = config.path("use_gate").asBoolean(false);
                for (String part : gate ? List.of("query", "key", "gate", "value", "attention_output")
                        : List.of("query", "key", "value", "attention_output")) {
                    out.add(part + "/kernel");
                    if (flag(config, "use_bias")) out.add(part + "/bias");
                }
            }
            case "Bidirectional" -> {
                // the forward layer's weights, then the backward one's (the same layer's unless given)
                JsonNode forward = config.path("layer");
                JsonNode backward = config.hasNonNull("backward_layer") ? config.get("backward_layer") : forward;
                List<String> f = names(forward.path("class_name").asText(""), forward.path("config"), kerasMajor);
                List<String> b = names(backward.path("class_name").asText(""), backward.path("config"), kerasMajor);
                if (f == null || b == null) return null;
                out.addAll(f);
                out.addAll(b);
            }
            case "SpectralNormalization" -> {
                // its layer's weights, then its own vector_u
                JsonNode inner = config.path("layer");
                List<String> own = names(inner.path("class_name").asText(""), inner.path("config"), kerasMajor);
                if (own == null) return null;
                out.addAll(own);
                out.add("vector_u");
            }
            case "TimeDistributed" -> {
                // its layer's weights (Keras 3 keeps them under layer/vars)
                JsonNode inner = config.path("layer");
                return names(inner.path("class_name").asText(""), inner.path("config"), kerasMajor);
            }
            default -> {
                return null;
            }
        }
        return out;
    }

    /** Keras' default for these flags is true; only an explicit false turns a weight off. */
    private static boolean flag(JsonNode config, String key) {
        JsonNode n = config.get(key);
        return n == null || n.isNull() || n.asBoolean(true);
    }
}
