package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras 2's LocallyConnected2D: see {@link BaseLocallyConnected}. */
public final class LocallyConnected2D extends BaseLocallyConnected {
    /** Keras' class name, {@code "LocallyConnected2D"}. */
    public static final String CLASS_NAME = "LocallyConnected2D";

    private LocallyConnected2D(LocallyConnectedBuilder<LocallyConnected2D> b) {
        super(b);
    }

    /** A builder with Keras' defaults (strides 1, "valid", channels_last, linear, bias, implementation 1). */
    public static LocallyConnectedBuilder<LocallyConnected2D> builder(int filters, int... kernelSize) {
        return new LocallyConnectedBuilder<>(CLASS_NAME, 2, LocallyConnected2D::new).filters(filters).kernelSize(kernelSize);
    }

    /** Keras' {@code from_config}. */
    public static LocallyConnected2D fromConfig(JsonNode config) {
        return new LocallyConnectedBuilder<>(CLASS_NAME, 2, LocallyConnected2D::new).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
