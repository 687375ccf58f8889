package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * Keras' random image augmentation layers that models carry for training (RandomFlip,
 * RandomRotation, RandomZoom, RandomTranslation, RandomContrast, RandomBrightness, tf.keras'
 * RandomHeight and RandomWidth, and Keras 3's
 * later ones: RandomGrayscale, RandomHue, RandomSaturation, RandomSharpness, RandomShear,
 * RandomPosterization, RandomColorJitter, RandomColorDegeneration, RandomInvert,
 * RandomPerspective, RandomElasticTransform, RandomGaussianBlur, RandomErasing, Solarization,
 * Equalization, MixUp, CutMix, AugMix, RandAugment): at inference ({@code model.predict}) each
 * returns its input (Keras 3 transforms only under {@code training}), so a plan leaves it out.
 * Their arguments only matter in training; each is checked as Keras checks its form, kept, and
 * written back as read.
 */
public final class RandomAugmentation extends InferenceIdentity {
    /** The Keras classes of this family and the arguments each takes (beside the base layer's), in Keras' order. */
    static final Map<String, List<String>> ARGUMENTS = Map.ofEntries(
            Map.entry("RandomFlip", List.of("mode", "seed", "data_format")),
            Map.entry("RandomRotation", List.of("factor", "data_format", "fill_mode", "fill_value", "interpolation", "seed")),
            Map.entry("RandomZoom", List.of("height_factor", "width_factor", "fill_mode", "interpolation", "seed",
                    "fill_value", "data_format")),
            Map.entry("RandomTranslation", List.of("height_factor", "width_factor", "fill_mode", "interpolation", "seed",
                    "fill_value", "data_format")),
            Map.entry("RandomContrast", List.of("factor", "value_range", "seed")),
            Map.entry("RandomBrightness", List.of("factor", "value_range", "seed")),
            // tf.keras only (Keras 3 dropped them); TensorFlow.js has RandomWidth too
            Map.entry("RandomHeight", List.of("factor", "interpolation", "seed")),
            Map.entry("RandomWidth", List.of("factor", "interpolation", "seed")),
            // Keras 3 only; tf.keras has none of these
            Map.entry("RandomGrayscale", List.of("factor", "data_format", "seed")),
            Map.entry("RandomHue", List.of("factor", "value_range", "seed", "data_format")),
            Map.entry("RandomSaturation", List.of("factor", "value_range", "seed", "data_format")),
            Map.entry("RandomSharpness", List.of("factor", "value_range", "seed", "data_format")),
            Map.entry("RandomShear", List.of("x_factor", "y_factor", "fill_mode", "interpolation", "seed", "fill_value",
                    "data_format")),
            Map.entry("RandomPosterization", List.of("factor", "value_range", "seed", "data_format")),
            Map.entry("RandomColorJitter", List.of("value_range", "brightness_factor", "contrast_factor",
                    "saturation_factor", "hue_factor", "seed", "data_format")),
            Map.entry("RandomColorDegeneration", List.of("factor", "value_range", "seed", "data_format")),
            Map.entry("RandomInvert", List.of("factor", "value_range", "seed", "data_format")),
            Map.entry("RandomPerspective", List.of("factor", "scale", "interpolation", "fill_value", "seed",
                    "data_format")),
            Map.entry("RandomElasticTransform", List.of("factor", "scale", "interpolation", "fill_mode", "fill_value",
                    "value_range", "seed", "data_format")),
            Map.entry("RandomGaussianBlur", List.of("factor", "kernel_size", "sigma", "value_range", "seed",
                    "data_format")),
            Map.entry("RandomErasing", List.of("factor", "scale", "fill_value", "value_range", "seed", "data_format")),
            Map.entry("Solarization", List.of("value_range", "addition_factor", "threshold_factor", "seed",
                    "data_format")),
            Map.entry("Equalization", List.of("bins", "value_range", "data_format")),
            Map.entry("MixUp", List.of("alpha", "seed", "data_format")),
            Map.entry("CutMix", List.of("factor", "seed", "data_format")),
            Map.entry("AugMix", List.of("value_range", "num_chains", "chain_depth", "factor", "alpha", "all_ops",
                    "interpolation", "seed", "data_format")),
            Map.entry("RandAugment", List.of("value_range", "num_ops", "factor", "interpolation", "seed", "data_format")));

    /** tf.keras' classes of the family that Keras 3 dropped: a Keras 3 file cannot hold them. */
    public static final java.util.Set<String> KERAS_2_ONLY = java.util.Set.of("RandomHeight", "RandomWidth");

    /** Keras 3's classes of the family, which tf.keras lacks: a Keras 2 file cannot hold them. */
    public static final java.util.Set<String> KERAS_3_ONLY = java.util.Set.of("RandomGrayscale", "RandomHue",
            "RandomSaturation", "RandomSharpness", "RandomShear", "RandomPosterization", "RandomColorJitter",
            "RandomColorDegeneration", "RandomInvert", "RandomPerspective", "RandomElasticTransform",
            "RandomGaussianBlur", "RandomErasing", "Solarization", "Equalization", "MixUp", "CutMix", "AugMix",
            "RandAugment");

    /** Keras' defaults of the arguments that have one (by class, then key); a factor absent here is required. */
    private static final Map<String, Map<String, JsonNode>> DEFAULTS = Map.ofEntries(
            Map.entry("RandomGrayscale", Map.of("factor", number(0.5))),
            Map.entry("RandomShear", Map.of("x_factor", number(0.0), "y_factor", number(0.0))),
            Map.entry("RandomInvert", Map.of("factor", number(1.0))),
            Map.entry("RandomPerspective", Map.of("factor", number(1.0), "scale", number(1.0))),
            Map.entry("RandomElasticTransform", Map.of("factor", number(1.0), "scale", number(1.0))),
            Map.entry("RandomGaussianBlur", Map.of("factor", number(1.0), "sigma", number(1.0))),
            Map.entry("RandomErasing", Map.of("factor", number(1.0), "scale", JsonNodeFactory.instance.arrayNode()
                    .add(0.02).add(0.33))),
            Map.entry("Solarization", Map.of("addition_factor", number(0.0), "threshold_factor", number(0.0))),
            Map.entry("MixUp", Map.of("alpha", number(0.2))),
            Map.entry("CutMix", Map.of("factor", number(1.0))),
            Map.entry("AugMix", Map.of("factor", number(0.3), "alpha", number(1.0))),
            Map.entry("RandAugment", Map.of("factor", number(0.5))));

    private static JsonNode number(double v) {
        return JsonNodeFactory.instance.numberNode(v);
    }

    private static final List<String> FLIP_MODES = List.of("horizontal", "vertical", "horizontal_and_vertical");
    private static final List<String> FILL_MODES = List.of("reflect", "wrap", "constant", "nearest");
    // RandomElasticTransform's fill modes
    private static final List<String> ELASTIC_FILL_MODES = List.of("constant", "nearest", "wrap", "mirror", "reflect");
    private static final List<String> INTERPOLATIONS = List.of("nearest", "bilinear");
    // tf.keras' RandomHeight and RandomWidth resize with tf.image.resize's methods
    private static final List<String> RESIZE_INTERPOLATIONS = List.of("bilinear", "nearest", "bicubic", "area",
            "lanczos3", "lanczos5", "gaussian", "mitchellcubic");

    private final String className;

    private RandomAugmentation(InferenceIdentityBuilder<RandomAugmentation> b) {
        super(b);
        this.className = b.className;
    }

    /** A builder for one of the family's classes, e.g. {@code "RandomFlip"}. */
    static InferenceIdentityBuilder<RandomAugmentation> builder(String className) {
        if (!ARGUMENTS.containsKey(className)) {
            throw new IllegalArgumentException("not a random augmentation layer: " + className);
        }
        return new InferenceIdentityBuilder<>(Kind.AUGMENTATION, 2, className, RandomAugmentation::new);
    }

    /** Keras' {@code from_config} of {@code className}. */
    public static RandomAugmentation fromConfig(String className, JsonNode config) {
        return builder(className).fromConfig(config).build();
    }

    @Override
    public String className() {
        return className;
    }

    /** Reads and checks the arguments of {@code className} (Keras' wording), in Keras' order. */
    static ObjectNode readArguments(String className, ConfigReader r) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (String key : ARGUMENTS.get(className)) {
            JsonNode v = r.node(key);
            switch (key) {
                case "mode" -> {
                    String mode = v.isNull() ? "horizontal_and_vertical" : v.asText();
                    if (!v.isNull() && !v.isTextual() || !FLIP_MODES.contains(mode)) {
                        throw new IllegalArgumentException("RandomFlip layer " + r.string("name", "") + " received an"
                                + " unknown mode argument " + v);
                    }
                    out.put(key, mode);
                }
                case "factor", "height_factor", "x_factor", "y_factor", "addition_factor", "threshold_factor", "sigma" -> {
                    JsonNode d = DEFAULTS.getOrDefault(className, Map.of()).get(key);
                    out.set(key, v.isNull() && d != null ? d : factor(className, key, v, true));
                }
                case "scale" -> {
                    JsonNode d = DEFAULTS.get(className).get(key);
                    out.set(key, v.isNull() ? d : factor(className, key, v, true));
                }
                // RandomColorJitter's: None leaves that adjustment out
                case "brightness_factor", "contrast_factor", "saturation_factor", "hue_factor" ->
                        out.set(key, v.isNull() ? v : factor(className, key, v, true));
                case "alpha" -> {
                    if (!v.isNull() && !v.isNumber()) throw ConfigReader.bad(key, v, "a number");
                    out.set(key, v.isNull() ? DEFAULTS.get(className).get(key) : v);
                }
                case "kernel_size" -> out.set(key, oddKernel(v));
                case "bins", "num_chains", "chain_depth", "num_ops" -> {
                    int fallback = key.equals("bins") ? 256 : key.equals("num_ops") ? 2 : 3;
                    if (!v.isNull() && !v.canConvertToInt()) throw ConfigReader.bad(key, v, "an integer");
                    out.put(key, v.isNull() ? fallback : v.asInt());
                }
                case "all_ops" -> {
                    if (!v.isNull() && !v.isBoolean()) throw ConfigReader.bad(key, v, "a boolean");
                    out.put(key, v.isNull() || v.asBoolean());
                }
                case "width_factor" -> out.set(key, className.equals("RandomZoom") && v.isNull() ? v
                        : factor(className, key, v, true));
                case "fill_mode" -> {
                    String m = v.isNull() ? "reflect" : v.asText();
                    List<String> modes = className.equals("RandomElasticTransform") ? ELASTIC_FILL_MODES : FILL_MODES;
                    if (!v.isNull() && !v.isTextual() || !modes.contains(m)) {
                        throw new IllegalArgumentException("Unknown `fill_mode` " + v + ". Expected of one "
                                + modes.toString().replace('[', '(').replace(']', ')') + ".");
                    }
                    out.put(key, m);
                }
                case "interpolation" -> {
                    String i = v.isNull() ? "bilinear" : v.asText();
                    if (KERAS_2_ONLY.contains(className)) {
                        if (!v.isNull() && !v.isTextual() || !RESIZE_INTERPOLATIONS.contains(i)) {
                            throw new IllegalArgumentException("Value not recognized for `interpolation`: " + v
                                    + ". Supported values are: " + RESIZE_INTERPOLATIONS);
                        }
                        out.put(key, i);
                        continue;
                    }
                    if (!v.isNull() && !v.isTextual() || !INTERPOLATIONS.contains(i)) {
                        throw new IllegalArgumentException("Unknown `interpolation` " + v + ". Expected of one "
                                + "('nearest', 'bilinear').");
                    }
                    out.put(key, i);
                }
                case "fill_value" -> {
                    if (className.equals("RandomErasing")) {
                        // None (random values) or a number or a list of numbers, used in training only
                        boolean numbers = v.isArray() && v.size() > 0;
                        for (JsonNode e : v) numbers &= e.isNumber();
                        if (!v.isNull() && !v.isNumber() && !numbers) {
                            throw new IllegalArgumentException("The `fill_value` argument should be a number (or a list of"
                                    + " three numbers). Received: fill_value=" + v);
                        }
                        out.set(key, v);
                    } else {
                        if (!v.isNull() && !v.isNumber()) throw ConfigReader.bad(key, v, "a number");
                        out.put(key, v.isNull() ? 0.0 : v.asDouble());
                    }
                }
                case "seed" -> {
                    if (!v.isNull() && !v.canConvertToInt()) throw ConfigReader.bad(key, v, "an integer or None");
                    out.set(key, v);
                }
                case "value_range" -> {
                    if (v.isNull()) {
                        out.putArray(key).add(0).add(255);
                    } else if (!v.isArray() || v.size() != 2 || !v.get(0).isNumber() || !v.get(1).isNumber()) {
                        throw new IllegalArgumentException("The `value_range` argument should be a list of two numbers."
                                + " Received: value_range=" + v);
                    } else {
                        out.set(key, v);
                    }
                }
                case "data_format" -> out.put(key, DataFormat.parse(v.isNull() ? null : v.asText()).kerasName());
                default -> throw new IllegalStateException(key);
            }
        }
        r.string("bounding_box_format", null); // for bounding boxes, which a model's tensors never are
        r.node("force_generator"); // tf-keras' random layers' choice of generator, for training
        r.node("rng_type");
        return out;
    }

    /** RandomGaussianBlur's kernel_size: an odd number, or a pair of them (Keras writes the pair). */
    private static JsonNode oddKernel(JsonNode v) {
        if (v.isNull()) return JsonNodeFactory.instance.arrayNode().add(3).add(3);
        List<JsonNode> sides = new java.util.ArrayList<>();
        if (v.isArray()) {
            if (v.size() != 2) {
                throw new IllegalArgumentException("The `kernel_size` argument should be a number (or a list of two"
                        + " numbers) Received: kernel_size=" + v);
            }
            v.forEach(sides::add);
        } else {
            sides.add(v);
            sides.add(v);
        }
        for (JsonNode k : sides) {
            if (!k.canConvertToInt() || !k.isIntegralNumber() || k.asInt() % 2 == 0 || k.asInt() < 1) {
                throw new IllegalArgumentException("kernel_size must be an odd number. Received: kernel_size=" + v);
            }
        }
        return JsonNodeFactory.instance.arrayNode().add(sides.get(0).asInt()).add(sides.get(1).asInt());
    }

    /**
     * A factor: a number, or a pair of numbers; required where Keras requires it. Its range and the
     * pair's order only matter in training, and Keras' versions differ there (Keras 3 sorts the pair,
     * tf-keras refuses it reversed), so they are not checked.
     */
    private static JsonNode factor(String className, String key, JsonNode v, boolean required) {
        boolean number = v.isNumber();
        boolean pair = v.isArray() && v.size() == 2 && v.get(0).isNumber() && v.get(1).isNumber();
        if (v.isNull() && required) {
            throw new IllegalArgumentException(className + " needs the argument `" + key + "`");
        }
        if (!number && !pair) {
            throw new IllegalArgumentException("The `" + key + "` argument should be a number (or a list of two numbers)."
                    + " Received: " + key + "=" + v);
        }
        return v;
    }
}
