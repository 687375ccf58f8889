package kdnn.layers;

import java.util.Locale;

/** Keras' convolution padding modes. */
public enum Padding {
    /** Keras' {@code valid}: no padding. */
    VALID("valid"),
    /** Keras' {@code same}: padded so that stride 1 keeps the spatial size. */
    SAME("same"),
    /** Conv1D only: (k-1)*d zeros on the left, so output t sees inputs up to t. */
    CAUSAL("causal");

    private final String keras;

    Padding(String keras) {
        this.keras = keras;
    }

    /** Keras' name, e.g. {@code "same"}. */
    public String kerasName() {
        return keras;
    }

    /** Keras' spelling in any letter case ({@code "SAME"} too). */
    public static Padding parse(String value) {
        if (value != null) {
            switch (value.toLowerCase(Locale.ROOT)) {
                case "valid": return VALID;
                case "same": return SAME;
                case "causal": return CAUSAL;
                default: break;
            }
        }
        throw new IllegalArgumentException("The `padding` argument must be one of \"valid\", \"same\" (or \"causal\", "
                + "only for `Conv1D`). Received: padding=" + value);
    }
}
