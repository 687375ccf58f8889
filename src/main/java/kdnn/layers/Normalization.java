package kdnn.layers;

import static kdnn.bindings.dnnl_h.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kdnn.keras.Initializers;
import kdnn.runtime.Broadcasts;
import kdnn.runtime.Pipeline;

/**
 * Keras' Normalization (the preprocessing layer, e.g. at the top of EfficientNet and ConvNeXt):
 * {@code (x - mean) / max(sqrt(variance), 1e-7)}, or {@code mean + x * max(sqrt(variance), 1e-7)}
 * with {@code invert}, one mean and variance per position of the kept {@code axis} (all axes
 * but those reduced when it adapted). The statistics come from the config ({@code mean},
 * {@code variance}) or from the weights {@code mean}, {@code variance} and {@code count} that
 * {@code adapt} filled. Each step is rounded to float32 as TensorFlow's separate operations are.
 */
public final class Normalization extends Layer {
    /** Keras' class name, {@code "Normalization"}. */
    public static final String CLASS_NAME = "Normalization";
    /** Keras' {@code backend.epsilon()}: the smallest standard deviation it divides by. */
    private static final float EPSILON = 1e-7f;

    private final int[] axis; // as given; empty: one mean and variance for everything
    private final JsonNode mean; // the config's, or null: adapted weights
    private final JsonNode variance;
    private final boolean invert;
    private int[] keep; // the kept axes, non-negative and sorted, once built
    private long[] broadcast; // the statistics' dims against the input, once built
    private MemorySegment meanValues; // float32 in `broadcast` dims, row-major
    private MemorySegment deviations; // max(sqrt(variance), epsilon), the same

    private Normalization(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.axis = b.axis.clone();
        this.mean = b.mean;
        this.variance = b.variance;
        this.invert = b.invert;
    }

    /** Keras' arguments and defaults: axis -1, statistics from {@code adapt} (weights), no inversion. */
    public static final class Builder extends LayerBuilder<Builder, Normalization> {
        int[] axis = {-1};
        JsonNode mean;
        JsonNode variance;
        boolean invert;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code axis}: the axes that keep their own statistics; none: one for everything. */
        public Builder axis(int... axis) { this.axis = axis.clone(); return this; }

        /** Keras' {@code mean} and {@code variance} given directly: numbers, or nested lists aligned to the kept axes. */
        public Builder meanAndVariance(JsonNode mean, JsonNode variance) {
            this.mean = mean == null || mean.isNull() ? null : mean.deepCopy();
            this.variance = variance == null || variance.isNull() ? null : variance.deepCopy();
            return this;
        }

        /** Keras' {@code invert}: map normalized values back. */
        public Builder invert(boolean invert) { this.invert = invert; return this; }

        @Override
        void validate() {
            if ((mean == null) != (variance == null)) {
                throw new IllegalArgumentException("When setting values directly, both `mean` and `variance` must be set."
                        + " Received: mean=" + mean + " and variance=" + variance);
            }
            if (mean != null) {
                int[] m = shapeOf(mean, "mean");
                int[] v = shapeOf(variance, "variance");
                if (!Arrays.equals(m, v)) {
                    throw new IllegalArgumentException("When setting values directly, `mean` and `variance` must have the"
                            + " same shape. Received: mean shape " + Shapes.format(m) + " and variance shape "
                            + Shapes.format(v));
                }
                if (m.length > axis.length) {
                    throw new IllegalArgumentException("The rank of `mean` must be less than or equal to the number of"
                            + " axes (" + axis.length + "). Received: mean shape " + Shapes.format(m) + " for axis "
                            + Shapes.format(axis));
                }
            }
        }

        @Override
        Normalization make() {
            return new Normalization(this);
        }
    }

    /** A builder with Keras' defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}: {@code axis} an int, a list or null. */
    public static Normalization fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        JsonNode a = r.node("axis");
        if (config.has("axis") && a.isNull()) {
            b.axis = new int[0];
        } else if (a.isArray()) {
            b.axis = ConfigReader.tuple("axis", a, a.size());
        } else if (!a.isNull()) {
            b.axis = new int[] {ConfigReader.toInt("axis", a)};
        }
        b.meanAndVariance(r.node("mean"), r.node("variance"));
        b.invert = r.bool("invert", false);
        r.finish();
        return b.build();
    }

    /** The shape of a number or a nested list of numbers (rectangular), or a refusal naming {@code key}. */
    static int[] shapeOf(JsonNode v, String key) {
        List<Integer> dims = new ArrayList<>();
        JsonNode n = v;
        while (n.isArray()) {
            dims.add(n.size());
            if (n.isEmpty()) break;
            n = n.get(0);
        }
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        List<Float> flat = new ArrayList<>();
        flatten(v, shape, 0, flat, key);
        return shape;
    }

    private static void flatten(JsonNode v, int[] shape, int depth, List<Float> out, String key) {
        if (depth == shape.length) {
            if (!v.isNumber()) {
                throw new IllegalArgumentException("Normalization `" + key + "` must be a number or a (nested) list of"
                        + " numbers. Received: " + key + "=" + v);
            }
            out.add((float) v.asDouble());
            return;
        }
        if (!v.isArray() || v.size() != shape[depth]) {
            throw new IllegalArgumentException("Normalization `" + key + "` must be a rectangular (nested) list of"
                    + " numbers. Received: " + key + "=" + v);
        }
        for (JsonNode e : v) flatten(e, shape, depth + 1, out, key);
    }

    private static float[] floats(JsonNode v, String key) {
        List<Float> flat = new ArrayList<>();
        flatten(v, shapeOf(v, key), 0, flat, key);
        float[] out = new float[flat.size()];
        for (int i = 0; i < out.length; i++) out[i] = flat.get(i);
        return out;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** Keras' {@code invert} argument. */
    public boolean invert() {
        ensureOpen();
        return invert;
    }

    private int[] keptAxes(long[] shape) {
        int ndim = shape.length;
        int[] kept = new int[axis.length];
        for (int i = 0; i < axis.length; i++) {
            if (axis[i] < -ndim || axis[i] >= ndim) {
                throw incompatible(shape, "All `axis` values must be in the range [-ndim, ndim). Received inputs with"
                        + " ndim=" + ndim + ", while axis=" + Shapes.format(axis));
            }
            kept[i] = axis[i] < 0 ? axis[i] + ndim : axis[i];
        }
        return Arrays.stream(kept).distinct().sorted().toArray();
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length == 0) {
            throw incompatible(shape, "expected min_ndim=1, found ndim=0");
        }
        for (int d : keptAxes(shape)) {
            if (shape[d] < 0) {
                throw incompatible(shape, "All `axis` values to be kept must have a known shape. Received axis="
                        + Shapes.format(axis) + ", with unknown axis at index " + d);
            }
        }
        long[] built = builtInputShape();
        if (built != null) {
            if (shape.length != built.length) {
                throw incompatible(shape, "expected ndim=" + built.length + ", found ndim=" + shape.length);
            }
            for (int d : keep) {
                if (shape[d] != built[d]) {
                    throw incompatible(shape, "expected axis " + d + " of input shape to have value " + built[d]);
                }
            }
        }
        return shape.clone();
    }

    @Override
    protected void createWeights(long[] inputShape) {
        keep = keptAxes(inputShape);
        broadcast = new long[inputShape.length];
        Arrays.fill(broadcast, 1);
        int[] statistics = new int[keep.length];
        for (int i = 0; i < keep.length; i++) {
            broadcast[keep[i]] = inputShape[keep[i]];
            statistics[i] = Math.toIntExact(inputShape[keep[i]]);
        }
        long n = Shapes.product(broadcast);
        meanValues = arena.allocate(n * Float.BYTES, 64);
        deviations = arena.allocate(n * Float.BYTES, 64);
        if (mean == null) {
            variables.add(new Variable("mean", statistics, arena, Initializers.get(TextNode.valueOf("zeros")), null, null,
                    false));
            variables.add(new Variable("variance", statistics, arena, Initializers.get(TextNode.valueOf("ones")), null,
                    null, false));
            // Keras keeps the adapted sample count beside them (an int there), which inference never reads
            variables.add(new Variable("count", new int[0], arena, Initializers.get(TextNode.valueOf("zeros")), null, null,
                    false));
        } else {
            fill(broadcastConfig(floats(mean, "mean"), shapeOf(mean, "mean")),
                    broadcastConfig(floats(variance, "variance"), shapeOf(variance, "variance")));
        }
    }

    /** The config's statistics at every position of {@code broadcast}: aligned right to left with the kept axes. */
    private float[] broadcastConfig(float[] values, int[] shape) {
        float[] out = new float[Math.toIntExact(Shapes.product(broadcast))];
        long[] strides = kdnn.runtime.MemoryDesc.rowMajorStrides(broadcast);
        int[] valueAxis = new int[broadcast.length]; // for each input axis, the statistics' axis it reads, or -1
        Arrays.fill(valueAxis, -1);
        for (int i = 1; i <= shape.length; i++) {
            int d = keep[keep.length - i];
            if (shape[shape.length - i] != 1 && shape[shape.length - i] != broadcast[d]) {
                throw new IllegalArgumentException("Normalization `mean` of shape " + Shapes.format(shape) + " does not"
                        + " broadcast to the kept axes " + Shapes.format(keep) + " of length "
                        + Shapes.format(Arrays.stream(keep).mapToLong(k -> broadcast[k]).toArray()));
            }
            valueAxis[d] = shape.length - i;
        }
        long[] valueStrides = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            valueStrides[i] = shape[i] == 1 ? 0 : s;
            s *= shape[i];
        }
        for (int i = 0; i < out.length; i++) {
            long at = 0;
            for (int d = 0; d < broadcast.length; d++) {
                if (valueAxis[d] >= 0) at += (i / strides[d] % broadcast[d]) * valueStrides[valueAxis[d]];
            }
            out[i] = values[(int) at];
        }
        return out;
    }

    /** The float32 mean and deviation TensorFlow computes with: {@code max(sqrt(variance), epsilon)} per position. */
    private void fill(float[] means, float[] variances) {
        for (int i = 0; i < means.length; i++) {
            meanValues.setAtIndex(ValueLayout.JAVA_FLOAT, i, means[i]);
            float deviation = (float) Math.sqrt(variances[i]);
            deviations.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.isNaN(deviation) ? deviation : Math.max(deviation, EPSILON));
        }
    }

    @Override
    void weightsChanged() {
        if (mean == null && keep != null) {
            // the adapted statistics have the kept axes' dims in order: the same values as `broadcast` row-major
            int n = Math.toIntExact(Shapes.product(broadcast));
            float[] m = new float[n];
            float[] v = new float[n];
            MemorySegment.copy(variables.get(0).data(), ValueLayout.JAVA_FLOAT, 0, m, 0, n);
            MemorySegment.copy(variables.get(1).data(), ValueLayout.JAVA_FLOAT, 0, v, 0, n);
            fill(m, v);
        }
    }

    @Override
    long work(long[] inputShape) {
        return ElementwiseLayer.count(inputShape);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        long n = Shapes.product(broadcast) * Float.BYTES;
        Broadcasts.Operand m = new Broadcasts.Operand(invert ? dnnl_binary_add() : dnnl_binary_sub(), broadcast,
                meanValues.asSlice(0, n));
        Broadcasts.Operand d = new Broadcasts.Operand(invert ? dnnl_binary_mul() : dnnl_binary_div(), broadcast,
                deviations.asSlice(0, n));
        return Broadcasts.chain(inputShape, invert ? List.of(d, m) : List.of(m, d));
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        ArrayNode a = c.putArray("axis");
        for (int x : axis) a.add(x);
        c.put("invert", invert);
        if (mean == null) {
            c.putNull("mean");
            c.putNull("variance");
        } else {
            c.set("mean", mean.deepCopy());
            c.set("variance", variance.deepCopy());
        }
        return c;
    }
}
