package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' {@code ConvLSTM3D}: a convolutional LSTM over steps of 3D feature maps (see {@link BaseConvLSTM}). */
public final class ConvLSTM3D extends BaseConvLSTM {
    /** Keras' class name, {@code "ConvLSTM3D"}. */
    public static final String CLASS_NAME = "ConvLSTM3D";

    private ConvLSTM3D(JsonNode config) {
        super(3, CLASS_NAME, config);
    }

    /** Keras' {@code from_config}. */
    public static ConvLSTM3D fromConfig(JsonNode config) {
        return builtFor(new ConvLSTM3D(config), new ConfigReader(CLASS_NAME, config).batchInputShape());
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
