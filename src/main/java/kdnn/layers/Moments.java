package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import kdnn.keras.Axes;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Reductions;

/**
 * {@code moments(x, axes, keepdims)}: two outputs, the mean over {@code axes} and the variance (the
 * mean of squared deviations from it), as TensorFlow's {@code tf.nn.moments} computes them, which
 * tf.keras saves as a TFOpLambda and Keras 3's {@code ops.moments} calls on TensorFlow (its
 * {@code Moments} operation); e.g. instance normalization written out by hand. Not over the batch
 * axis; {@code synchronized=True} (statistics across devices) refused.
 */
public final class Moments extends Layer implements KerasOperation {
    /** Keras 3's class name of the operation, {@code "Moments"}. */
    public static final String CLASS_NAME = "Moments";

    private final Axes axes;
    private final boolean keepdims;

    private Moments(String name, boolean trainable, Axes axes, boolean keepdims) {
        super(name, null, trainable);
        this.axes = axes;
        this.keepdims = keepdims;
    }

    /** From kdnn's config form: {@code axes} an int or a list, {@code keepdims}, {@code synchronized} false. */
    public static Moments fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        boolean trainable = r.bool("trainable", true);
        JsonNode a = r.node("axes");
        Axes axes;
        if (a.isArray() && !a.isEmpty()) axes = Axes.ofList(ConfigReader.tuple("axes", a, a.size()));
        else if (a.isIntegralNumber()) axes = Axes.of(ConfigReader.toInt("axes", a));
        else throw ConfigReader.bad("axes", a, "an int or a non-empty list of ints (kdnn reduces named axes)");
        boolean keepdims = r.bool("keepdims", false);
        if (r.bool("synchronized", false)) {
            throw new IllegalArgumentException("Moments with synchronized=True (statistics gathered across devices) is"
                    + " not supported by kdnn");
        }
        r.finish();
        return new Moments(name == null ? LayerNames.next(CLASS_NAME) : name, trainable, axes, keepdims);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public String tfFunction() {
        return "nn.moments";
    }

    @Override
    public String keras3Module() {
        return "keras.src.ops.nn";
    }

    /** The two outputs, the mean and the variance, each of the reduced shape. */
    @Override
    public List<long[]> computeOutputShapes(List<long[]> inputShapes) {
        if (inputShapes.size() != 1) throw new IllegalArgumentException("Moments takes one tensor, got " + inputShapes.size());
        long[] reduced = Reduce.reducedShape(this, axes, keepdims, inputShapes.get(0));
        return List.of(reduced, reduced.clone());
    }

    /** Both outputs packed per sample ({@link #computeOutputShapes}): each sample's means, then its variances. */
    @Override
    public long[] computeOutputShape(long[] shape) {
        return BaseRecurrent.packed(computeOutputShapes(List.of(shape)));
    }

    @Override
    protected void createWeights(long[] inputShape) {
        // no weights
    }

    @Override
    long work(long[] inputShape) {
        return ElementwiseLayer.count(inputShape) * 4;
    }

    /** A variance is not bounded by its inputs' magnitude (it is by its square): none. */
    @Override
    double outputBound(double inputBound) {
        return Double.NaN;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        boolean[] reduced = Reduce.reducedAxes(this, axes, inputShape);
        long[] dst = inputShape.clone();
        for (int d = 0; d < dst.length; d++) if (reduced[d]) dst[d] = 1;
        return Reductions.moments(inputShape, dst);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.set("axes", axes.toJson());
        c.put("keepdims", keepdims);
        return c;
    }
}
