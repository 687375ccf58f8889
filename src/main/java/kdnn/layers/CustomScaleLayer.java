package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import kdnn.runtime.Merges;
import kdnn.runtime.Pipeline;

/**
 * InceptionResNetV2's {@code CustomScaleLayer} ({@code keras.applications.inception_resnet_v2}, in
 * Keras 3 and tf.keras 2.12+): {@code inputs[0] + inputs[1] * scale}, the residual branch scaled
 * before the shortcut is added. In float32 as TensorFlow computes it: the product rounded, then
 * the sum; the two inputs of one rank, broadcast where one has length 1. Inside a model a
 * convolution making {@code inputs[1]} takes the scale and the sum as post-ops.
 */
public final class CustomScaleLayer extends Merge {
    /** Keras' class name, {@code "CustomScaleLayer"}. */
    public static final String CLASS_NAME = "CustomScaleLayer";

    private final double scale;

    private CustomScaleLayer(String name, boolean trainable, double scale) {
        super(name, trainable);
        this.scale = scale;
    }

    /** A new layer computing {@code x + y * scale}; a null name gets Keras' automatic one. */
    public static CustomScaleLayer of(String name, double scale) {
        return new CustomScaleLayer(name == null ? LayerNames.next(CLASS_NAME) : name, true, scale);
    }

    /** Keras' {@code from_config}: the base keys and the required {@code scale}. */
    public static CustomScaleLayer fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        Double scale = r.number("scale");
        r.finish();
        if (scale == null) {
            throw new IllegalArgumentException("CustomScaleLayer.__init__() missing 1 required positional argument: 'scale'");
        }
        return new CustomScaleLayer(name == null ? LayerNames.next(CLASS_NAME) : name, trainable, scale);
    }

    /** Keras' {@code scale}: the factor of the second input. */
    public double scale() {
        ensureOpen();
        return scale;
    }

    /** The factor as TensorFlow multiplies by it: a float32 constant. */
    public float scaleAsComputed() {
        ensureOpen();
        return (float) scale;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    long[] mergedShape(List<long[]> shapes) {
        if (shapes.size() != 2) {
            throw new IllegalArgumentException("layer \"" + name() + "\" (CustomScaleLayer) computes inputs[0] + inputs[1]"
                    + " * scale of exactly 2 inputs. Received: " + shapes.size() + " inputs of shapes " + format(shapes));
        }
        if (shapes.get(0).length != shapes.get(1).length) {
            throw new IllegalArgumentException("layer \"" + name() + "\" (CustomScaleLayer) takes 2 inputs of one rank."
                    + " Received: input shapes " + format(shapes));
        }
        return ElementwiseMerge.broadcast(shapes.get(0), shapes.get(1));
    }

    @Override
    Pipeline mergePipeline(long[][] inputs, long[] output, int tag) {
        return Merges.scaledSum(inputs[0], inputs[1], (float) scale, output, tag);
    }

    @Override
    double mergedBound(double[] b) {
        double bound = (b[0] + Math.abs((float) scale) * b[1]) * (1 + 0x1p-5);
        return Double.isFinite(bound) ? bound : Double.NaN;
    }

    @Override
    boolean elementwise() {
        return true;
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("scale", scale);
        return c;
    }
}
