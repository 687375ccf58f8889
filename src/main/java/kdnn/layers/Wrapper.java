package kdnn.layers;

/**
 * Keras' {@code Wrapper}: a layer that runs another one, whose weights are the wrapper's (the
 * wrapped layer's values live in its own variables) and which belongs to the wrapper and closes
 * with it. What it computes on extreme values is the wrapped layer's.
 */
abstract class Wrapper extends Layer {
    final Layer layer;

    Wrapper(String name, long[] batchInputShape, boolean trainable, Layer layer) {
        super(name, batchInputShape, trainable);
        this.layer = layer;
    }

    /** The wrapped layer (Keras' {@code layer}): owned by the wrapper, which closes it; run it through the wrapper. */
    public final Layer layer() {
        ensureOpen();
        return layer;
    }

    @Override
    void weightsChanged() {
        // the values live in the wrapped layer's variables: what it derives from them, and its own pipelines, follow
        layer.weightsChanged();
        layer.pipelines.prepareAll();
        layer.bumpWeightsVersion();
    }

    @Override
    double outputBound(double inputBound) {
        return layer.outputBound(inputBound);
    }

    @Override
    KerasExtremes kerasExtremes() {
        return layer.kerasExtremes();
    }

    @Override
    void closeParts() {
        layer.close();
    }
}
