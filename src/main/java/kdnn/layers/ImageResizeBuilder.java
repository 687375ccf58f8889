package kdnn.layers;

/**
 * What the builders of Keras' image resizing layers share (Resizing, CenterCrop, RandomCrop):
 * the output's {@code height} and {@code width}, which must be positive, and {@code data_format}.
 */
public abstract class ImageResizeBuilder<B extends ImageResizeBuilder<B, L>, L extends ImageResizeLayer>
        extends LayerBuilder<B, L> {
    int height;
    int width;
    DataFormat dataFormat = DataFormat.CHANNELS_LAST;

    ImageResizeBuilder(String className) {
        super(className);
    }

    /** Keras' {@code height} and {@code width}: the output's size. */
    public final B size(int height, int width) { this.height = height; this.width = width; return self(); }

    /** Keras' {@code data_format}. */
    public final B dataFormat(DataFormat format) { this.dataFormat = java.util.Objects.requireNonNull(format, "data_format"); return self(); }

    /** Reads {@code height}, {@code width}, {@code data_format} and Keras 3's {@code bounding_box_format}. */
    final void readSize(ConfigReader r) {
        height = r.integer("height", 0);
        width = r.integer("width", 0);
        dataFormat = DataFormat.parse(r.string("data_format", null));
        r.string("bounding_box_format", null); // for bounding boxes, which a model's tensors never are
    }

    @Override
    void validate() {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException(className + " `height` and `width` must be positive integers. Received:"
                    + " height=" + height + ", width=" + width);
        }
    }
}
