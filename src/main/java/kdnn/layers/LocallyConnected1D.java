package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras 2's LocallyConnected1D: see {@link BaseLocallyConnected}. */
public final class LocallyConnected1D extends BaseLocallyConnected {
    /** Keras' class name, {@code "LocallyConnected1D"}. */
    public static final String CLASS_NAME = "LocallyConnected1D";

    private LocallyConnected1D(LocallyConnectedBuilder<LocallyConnected1D> b) {
        super(b);
    }

    /** A builder with Keras' defaults (strides 1, "valid", channels_last, linear, bias, implementation 1). */
    public static LocallyConnectedBuilder<LocallyConnected1D> builder(int filters, int... kernelSize) {
        return new LocallyConnectedBuilder<>(CLASS_NAME, 1, LocallyConnected1D::new).filters(filters).kernelSize(kernelSize);
    }

    /** Keras' {@code from_config}. */
    public static LocallyConnected1D fromConfig(JsonNode config) {
        return new LocallyConnectedBuilder<>(CLASS_NAME, 1, LocallyConnected1D::new).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
