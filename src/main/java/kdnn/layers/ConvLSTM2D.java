package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' {@code ConvLSTM2D}: a convolutional LSTM over steps of 2D feature maps (see {@link BaseConvLSTM}). */
public final class ConvLSTM2D extends BaseConvLSTM {
    /** Keras' class name, {@code "ConvLSTM2D"}. */
    public static final String CLASS_NAME = "ConvLSTM2D";

    private ConvLSTM2D(JsonNode config) {
        super(2, CLASS_NAME, config);
    }

    /** Keras' {@code from_config}. */
    public static ConvLSTM2D fromConfig(JsonNode config) {
        return builtFor(new ConvLSTM2D(config), new ConfigReader(CLASS_NAME, config).batchInputShape());
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
