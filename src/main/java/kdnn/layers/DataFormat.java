package kdnn.layers;

import java.util.Locale;

/** Where the channel axis is: last (Keras' default) or right after the batch axis. */
public enum DataFormat {
    /** Keras' {@code channels_last}: (batch, spatial..., channels). */
    CHANNELS_LAST("channels_last"),
    /** Keras' {@code channels_first}: (batch, channels, spatial...). */
    CHANNELS_FIRST("channels_first");

    private final String keras;

    DataFormat(String keras) {
        this.keras = keras;
    }

    /** Keras' name, e.g. {@code "channels_last"}. */
    public String kerasName() {
        return keras;
    }

    /** Keras' spelling, any letter case; null means channels_last, as in Keras. */
    public static DataFormat parse(String value) {
        if (value == null) {
            return CHANNELS_LAST;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "channels_last" -> CHANNELS_LAST;
            case "channels_first" -> CHANNELS_FIRST;
            default -> throw new IllegalArgumentException("The `data_format` argument must be one of \"channels_first\", "
                    + "\"channels_last\". Received: data_format=" + value);
        };
    }
}
