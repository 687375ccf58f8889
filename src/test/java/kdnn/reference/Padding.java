package kdnn.reference;

import java.util.Locale;

/** Keras convolution padding modes; Keras lower-cases the name, so any letter case is accepted. */
public enum Padding {
    VALID, SAME, CAUSAL;

    public static Padding parse(String name) {
        if (name == null) {
            throw new IllegalArgumentException("padding must not be null");
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "valid" -> VALID;
            case "same" -> SAME;
            case "causal" -> CAUSAL;
            default -> throw new IllegalArgumentException(
                    "unknown padding '" + name + "' (expected valid, same or causal)");
        };
    }
}
