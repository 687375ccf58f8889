package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import kdnn.runtime.Pipeline;

/**
 * Keras' Discretization: each value to the index of its bin among {@code bin_boundaries} (sorted):
 * the count of boundaries at or below it ({@code ops.digitize}, TensorFlow's Bucketize), so NaN and
 * +Inf go to the last bin and -Inf to the first. {@code output_mode} {@code "int"} (the default)
 * keeps the shape and gives the indices (as float32 values: Keras' int64, for an Embedding or a
 * CategoryEncoding after it); {@code one_hot}, {@code multi_hot} and {@code count} encode them over
 * {@code len(bin_boundaries) + 1} bins as CategoryEncoding does. A layer Keras has not adapted (no
 * boundaries) is refused: its boundaries come from training data kdnn does not see.
 */
public final class Discretization extends Layer {
    /** Keras' class name, {@code "Discretization"}. */
    public static final String CLASS_NAME = "Discretization";

    private final float[] boundaries;
    private final JsonNode boundariesConfig;
    private final Integer numBins;
    private final double epsilon;
    private final CategoryEncoding.Mode mode; // null: "int"

    private Discretization(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.boundaries = b.boundaries;
        this.boundariesConfig = b.boundariesConfig;
        this.numBins = b.numBins;
        this.epsilon = b.epsilon;
        this.mode = b.mode;
    }

    /** Arguments of Discretization; checked as Keras checks them. */
    static final class Builder extends LayerBuilder<Builder, Discretization> {
        float[] boundaries;
        JsonNode boundariesConfig;
        Integer numBins;
        double epsilon = 0.01;
        CategoryEncoding.Mode mode;

        Builder() {
            super(CLASS_NAME);
        }

        @Override
        void validate() {
            if (boundaries == null) {
                throw new IllegalArgumentException("You need to either pass the `bin_boundaries` argument at construction"
                        + " time or call `adapt(dataset)` before you can start using the `Discretization` layer (kdnn"
                        + " cannot adapt: it needs the boundaries Keras learned)");
            }
            if (numBins != null && numBins < 0) {
                throw new IllegalArgumentException("`num_bins` must be greater than or equal to 0. Received: `num_bins="
                        + numBins + "`");
            }
            if (numBins != null && numBins != boundaries.length + 1) {
                throw new IllegalArgumentException("Both `num_bins` and `bin_boundaries` should not be set. Received:"
                        + " num_bins=" + numBins + " and bin_boundaries=" + boundariesConfig);
            }
            for (int i = 0; i < boundaries.length; i++) {
                if (Float.isNaN(boundaries[i]) || i > 0 && boundaries[i] < boundaries[i - 1]) {
                    throw new IllegalArgumentException("Discretization: `bin_boundaries` must be sorted numbers (TensorFlow's"
                            + " Bucketize: Expected sorted boundaries). Received: bin_boundaries=" + boundariesConfig);
                }
            }
        }

        @Override
        Discretization make() {
            return new Discretization(this);
        }
    }

    /** Keras' {@code from_config}; its {@code dtype} may be Keras 3's int64 of the indices. */
    public static Discretization fromConfig(JsonNode config) {
        Builder b = new Builder();
        ConfigReader r = new ConfigReader(CLASS_NAME, config, Set.of("float32", "int64", "int32", "float64"));
        b.name = r.string("name", null);
        b.trainable = r.bool("trainable", true);
        b.batchInputShape = r.batchInputShape();
        JsonNode bins = r.node("bin_boundaries");
        if (!bins.isNull()) {
            if (!bins.isArray()) throw ConfigReader.bad("bin_boundaries", bins, "a list of numbers");
            b.boundaries = new float[bins.size()];
            for (int i = 0; i < bins.size(); i++) {
                if (!bins.get(i).isNumber()) throw ConfigReader.bad("bin_boundaries", bins, "a list of numbers");
                b.boundaries[i] = (float) bins.get(i).asDouble();
            }
            b.boundariesConfig = bins;
        }
        JsonNode n = r.node("num_bins");
        if (!n.isNull()) b.numBins = ConfigReader.toInt("num_bins", n);
        b.epsilon = r.number("epsilon", 0.01);
        String m = r.string("output_mode", "int");
        b.mode = switch (m) {
            case "int" -> null;
            case "one_hot" -> CategoryEncoding.Mode.ONE_HOT;
            case "multi_hot" -> CategoryEncoding.Mode.MULTI_HOT;
            case "count" -> CategoryEncoding.Mode.COUNT;
            default -> throw new IllegalArgumentException("Invalid value for argument `output_mode`. Expected one of"
                    + " {'int', 'one_hot', 'multi_hot', 'count'}. Received: output_mode=" + m);
        };
        CategoryEncoding.refuseSparse(r, CLASS_NAME);
        r.finish();
        return b.build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** The bins' boundaries. */
    public float[] binBoundaries() {
        return boundaries.clone();
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length < 1) throw incompatible(shape, "expected min_ndim=1, found ndim=0");
        for (int a = 1; a < shape.length; a++) {
            if (shape[a] <= 0) throw incompatible(shape, "every dimension but the batch must be positive");
        }
        return mode == null ? shape.clone() : CategoryEncoding.encodedShape(this, shape, mode, boundaries.length + 1);
    }

    @Override
    protected void createWeights(long[] inputShape) {
        // no weights: the boundaries are in the config
    }

    @Override
    long work(long[] inputShape) {
        return Math.max(Shapes.product(inputShape), 0);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        long count = Shapes.product(inputShape);
        long batch = inputShape[0];
        long perSample = inputShape.length == 2 ? inputShape[1] : 1;
        int depth = boundaries.length + 1;
        Pipeline.Builder b = Pipeline.builder();
        try {
            if (mode == null) {
                b.javaStep(Pipeline.INPUT, Pipeline.OUTPUT, (from, to) -> bucketize(from, to, count));
            } else {
                // the bins, then their encoding
                int ids = b.buffer(count * Float.BYTES);
                b.javaStep(Pipeline.INPUT, ids, (from, to) -> bucketize(from, to, count));
                b.javaStep(ids, Pipeline.OUTPUT, (from, to) -> CategoryEncoding.encode(this, from, to, batch, perSample,
                        depth, mode));
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** Each value's bin: the count of boundaries at or below it (NaN: all of them, as Keras' digitize gives). */
    private void bucketize(MemorySegment from, MemorySegment to, long count) {
        for (long i = 0; i < count; i++) {
            float v = from.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            int lo = 0;
            int hi = boundaries.length;
            if (Float.isNaN(v)) {
                lo = hi;
            } else {
                while (lo < hi) { // the first boundary above v
                    int mid = (lo + hi) >>> 1;
                    if (boundaries[mid] <= v) lo = mid + 1; else hi = mid;
                }
            }
            to.setAtIndex(ValueLayout.JAVA_FLOAT, i, lo);
        }
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        ArrayNode bins = c.putArray("bin_boundaries");
        for (JsonNode v : boundariesConfig) bins.add(v);
        if (numBins == null) c.putNull("num_bins"); else c.put("num_bins", numBins);
        c.put("epsilon", epsilon);
        c.put("output_mode", mode == null ? "int" : mode.kerasName());
        c.put("sparse", false);
        return c;
    }
}
