package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;

/** Keras' Conv2DTranspose: a transposed convolution (kernel (kh, kw, filters, in)), run by oneDNN deconvolution. */
public final class Conv2DTranspose extends BaseConv {
    public static final String CLASS_NAME = "Conv2DTranspose";

    private Conv2DTranspose(ConvBuilder<Conv2DTranspose> b) {
        super(b);
    }

    /** A builder with Keras' defaults. */
    public static ConvBuilder<Conv2DTranspose> builder(int filters, int... kernelSize) {
        return new ConvBuilder<Conv2DTranspose>(Kind.TRANSPOSE, 2, CLASS_NAME, Conv2DTranspose::new).filters(filters).kernelSize(kernelSize);
    }

    /** Keras' {@code from_config}. */
    public static Conv2DTranspose fromConfig(JsonNode config) {
        return new ConvBuilder<Conv2DTranspose>(Kind.TRANSPOSE, 2, CLASS_NAME, Conv2DTranspose::new).fromConfig(config).build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }
}
