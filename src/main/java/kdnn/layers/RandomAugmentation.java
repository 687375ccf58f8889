package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * Keras' random image augmentation layers that models carry for training (RandomFlip,
 * RandomRotation, RandomZoom, RandomTranslation, RandomContrast, RandomBrightness): at inference
 * ({@code model.predict}) each returns its input, so a plan leaves it out. Their arguments only
 * matter in training; each is checked as Keras checks it, kept, and written back as read.
 */
public final class RandomAugmentation extends InferenceIdentity {
    /** The Keras classes of this family and the arguments each takes (beside the base layer's), in Keras' order. */
    static final Map<String, List<String>> ARGUMENTS = Map.of(
            "RandomFlip", List.of("mode", "seed", "data_format"),
            "RandomRotation", List.of("factor", "data_format", "fill_mode", "fill_value", "interpolation", "seed"),
            "RandomZoom", List.of("height_factor", "width_factor", "fill_mode", "interpolation", "seed", "fill_value",
                    "data_format"),
            "RandomTranslation", List.of("height_factor", "width_factor", "fill_mode", "interpolation", "seed",
                    "fill_value", "data_format"),
            "RandomContrast", List.of("factor", "value_range", "seed"),
            "RandomBrightness", List.of("factor", "value_range", "seed"));
    private static final List<String> FLIP_MODES = List.of("horizontal", "vertical", "horizontal_and_vertical");
    private static final List<String> FILL_MODES = List.of("reflect", "wrap", "constant", "nearest");
    private static final List<String> INTERPOLATIONS = List.of("nearest", "bilinear");

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
                case "factor", "height_factor" -> out.set(key, factor(className, key, v, true));
                case "width_factor" -> out.set(key, className.equals("RandomZoom") && v.isNull() ? v
                        : factor(className, key, v, true));
                case "fill_mode" -> {
                    String m = v.isNull() ? "reflect" : v.asText();
                    if (!v.isNull() && !v.isTextual() || !FILL_MODES.contains(m)) {
                        throw new IllegalArgumentException("Unknown `fill_mode` " + v + ". Expected of one "
                                + "('reflect', 'wrap', 'constant', 'nearest').");
                    }
                    out.put(key, m);
                }
                case "interpolation" -> {
                    String i = v.isNull() ? "bilinear" : v.asText();
                    if (!v.isNull() && !v.isTextual() || !INTERPOLATIONS.contains(i)) {
                        throw new IllegalArgumentException("Unknown `interpolation` " + v + ". Expected of one "
                                + "('nearest', 'bilinear').");
                    }
                    out.put(key, i);
                }
                case "fill_value" -> {
                    if (!v.isNull() && !v.isNumber()) throw ConfigReader.bad(key, v, "a number");
                    out.put(key, v.isNull() ? 0.0 : v.asDouble());
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
