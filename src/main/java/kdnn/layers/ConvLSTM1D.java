package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' {@code ConvLSTM1D}: a convolutional LSTM over steps of 1D feature maps (see {@link BaseConvLSTM}). */
public final class ConvLSTM1D extends BaseConvLSTM {
    /** Keras' class name, {@code "ConvLSTM1D"}. */
    public static final String CLASS_NAME = "ConvLSTM1D";

    private ConvLSTM1D(JsonNode config) {
        super(1, CLASS_NAME, config);
    }

    /** Keras' {@code from_config}. */
    public static ConvLSTM1D fromConfig(JsonNode config) {
        return builtFor(new ConvLSTM1D(config), new ConfigReader(CLASS_NAME, config).batchInputShape());
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
