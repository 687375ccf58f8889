package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.Merges;
import kdnn.runtime.Pipeline;

/**
 * Keras' {@code InputLayer}: where a functional model's input enters. It computes nothing; it
 * declares the input's shape (batch first, -1 for unknown) and checks what is fed to it.
 */
public final class InputLayer extends Layer {
    /** Keras' class name, {@code "InputLayer"}. */
    public static final String CLASS_NAME = "InputLayer";

    private InputLayer(String name, long[] batchInputShape) {
        super(name, batchInputShape, true);
    }

    /** An input of this shape (batch first; -1 for an unknown dimension). */
    public static InputLayer of(String name, long... batchInputShape) {
        if (batchInputShape.length == 0) {
            throw new IllegalArgumentException("InputLayer needs a shape: got an empty `batch_input_shape`");
        }
        for (long d : batchInputShape) {
            if (d < -1) {
                throw new IllegalArgumentException("InputLayer `batch_input_shape` dims must be >= 0 or None, got "
                        + Shapes.format(batchInputShape));
            }
        }
        return new InputLayer(name == null ? LayerNames.next("input") : name, batchInputShape);
    }

    /** Keras' {@code from_config}: {@code batch_input_shape}, {@code dtype} float32, {@code sparse} and {@code ragged} false. */
    public static InputLayer fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        long[] shape = r.batchInputShape();
        r.node("batch_input_shape");
        r.node("input_shape");
        if (shape == null) {
            throw new IllegalArgumentException("InputLayer \"" + name + "\" has no `batch_input_shape`: kdnn needs the"
                    + " input's rank and non-batch dimensions");
        }
        if (r.bool("sparse", false)) {
            throw new IllegalArgumentException("InputLayer \"" + name + "\": `sparse=True` inputs are not supported"
                    + " (kdnn computes on dense float32 tensors)");
        }
        if (r.bool("ragged", false)) {
            throw new IllegalArgumentException("InputLayer \"" + name + "\": `ragged=True` inputs are not supported");
        }
        if (r.bool("optional", false)) {
            throw new IllegalArgumentException("InputLayer \"" + name + "\": `optional=True` inputs (which may be None)"
                    + " are not supported");
        }
        r.finish();
        return of(name, shape);
    }

    /** The declared shape, batch first (-1: unknown). */
    public long[] shape() {
        return declaredInputShape();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public long[] computeOutputShape(long[] inputShape) {
        long[] declared = declaredInputShape();
        boolean ok = inputShape.length == declared.length;
        for (int i = 0; ok && i < declared.length; i++) {
            ok = declared[i] < 0 || inputShape[i] < 0 || declared[i] == inputShape[i];
        }
        if (!ok) {
            throw new IllegalArgumentException("Input 0 of layer \"" + name() + "\" is incompatible with the layer:"
                    + " expected shape=" + Shapes.format(declared) + ", found shape=" + Shapes.format(inputShape));
        }
        return inputShape.clone();
    }

    @Override
    protected void createWeights(long[] inputShape) {
    }

    @Override
    boolean elementwise() {
        return true;
    }

    @Override
    boolean identityAtInference() {
        return true;
    }

    @Override
    double outputBound(double inputBound) {
        return inputBound;
    }

    @Override
    long work(long[] inputShape) {
        return Shapes.product(inputShape);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        int tag = Merges.plainTag(inputShape.length);
        return Merges.convert(inputShape, tag, tag);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.remove("trainable");
        c.put("sparse", false);
        c.put("ragged", false);
        return c;
    }
}
