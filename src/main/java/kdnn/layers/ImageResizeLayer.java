package kdnn.layers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import kdnn.runtime.Convolutions;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Resizes;

/**
 * Keras' image preprocessing layers that change an image's size (Resizing, CenterCrop, RandomCrop): a
 * batch of images (rank 4, channels last or first) to {@code height x width}, through a window of
 * the input (cropped or padded) and TensorFlow's {@code tf.image.resize} of it. No weights.
 */
public abstract class ImageResizeLayer extends Layer {
    final int height;
    final int width;
    final DataFormat format;

    ImageResizeLayer(ImageResizeBuilder<?, ?> b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.height = b.height;
        this.width = b.width;
        this.format = b.dataFormat;
    }

    /** The base config with {@code height} and {@code width}, Keras' first keys for these layers. */
    final ObjectNode sizeConfig() {
        ObjectNode c = baseConfig();
        c.put("height", height);
        c.put("width", width);
        return c;
    }

    /** The window of an input image of {@code h x w} that is resized. */
    abstract Resizes.Window window(long h, long w);

    /** The interpolation: bilinear unless the layer says otherwise (Resizing may). */
    Resizes.Method method() {
        return Resizes.Method.BILINEAR;
    }

    /** tf.image.resize's {@code antialias} (Resizing's argument; false for the others). */
    boolean antialias() {
        return false;
    }

    private int heightAxis() {
        return format == DataFormat.CHANNELS_FIRST ? 2 : 1;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length != 4) {
            throw incompatible(shape, "expected a batch of images, ndim=4, found ndim=" + shape.length);
        }
        int h = heightAxis();
        if (shape[h] == 0 || shape[h + 1] == 0 || shape[h] < -1 || shape[h + 1] < -1) {
            throw incompatible(shape, "the image's height and width must be positive");
        }
        long[] out = shape.clone();
        out[h] = height;
        out[h + 1] = width;
        return out;
    }

    @Override
    protected void createWeights(long[] inputShape) {
        // no weights
    }

    @Override
    long work(long[] inputShape) {
        return ElementwiseLayer.count(computeOutputShape(inputShape)) * 4;
    }

    /** {N, C, H, W} of a Keras shape. */
    private long[] logical(long[] shape) {
        return format == DataFormat.CHANNELS_FIRST ? shape.clone() : new long[] {shape[0], shape[3], shape[1], shape[2]};
    }

    private int tag() {
        return format == DataFormat.CHANNELS_FIRST ? Convolutions.channelsFirstTag(2) : Convolutions.channelsLastTag(2);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        long[] src = logical(inputShape);
        if (src[2] < 0 || src[3] < 0) {
            throw incompatible(inputShape, "the image's height and width must be known");
        }
        long[] dst = logical(computeOutputShape(inputShape));
        return Resizes.resize(src, window(src[2], src[3]), dst, method(), antialias(), tag());
    }

    /** Copies and convex combinations of the input and a finite fill (a cubic or Lanczos resize bounds nothing). */
    @Override
    double outputBound(double inputBound) {
        return method().overshoots() ? Double.NaN : Math.max(inputBound, Math.abs(fillValue()));
        // (bilinear with antialiasing is a triangle filter: weights still at least 0)
    }

    /** The padding's value (0 when the layer never pads). */
    float fillValue() {
        return 0f;
    }

    /** Bilinear interpolation departs from TensorFlow only next to non-finite values. */
    @Override
    KerasExtremes kerasExtremes() {
        return method() == Resizes.Method.BILINEAR && !antialias() ? KerasExtremes.MOVES_VALUES : null;
    }

    @Override
    void restoreKerasExtremes(long[] inputShape, MemorySegment input, MemorySegment output, long[] outputShape,
                              Variant variant, int threads) {
        long[] src = logical(inputShape);
        Resizes.Window w = window(src[2], src[3]);
        if (w.imageHeight() == height && w.imageWidth() == width) return; // a copy, no interpolation
        boolean channelsLast = format != DataFormat.CHANNELS_FIRST;
        BilinearExtremes.restore(input, output, src, w, height, width, channelsLast, channelsLast);
    }
}
