package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import kdnn.keras.Constant;
import kdnn.runtime.Broadcasts;
import kdnn.runtime.Pipeline;

/**
 * Keras' ConvNeXt {@code LayerScale} ({@code keras.applications.convnext}, in Keras 3 and tf-keras
 * 2.10+): {@code x * gamma}, one learned factor per position of the last axis
 * ({@code projection_dim} of them), initialized to {@code init_values}. One oneDNN binary step
 * against the broadcast factors.
 */
public final class LayerScale extends Layer {
    /** Keras' class name, {@code "LayerScale"}. */
    public static final String CLASS_NAME = "LayerScale";

    private final double initValues;
    private final int projectionDim;

    private LayerScale(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.initValues = b.initValues;
        this.projectionDim = b.projectionDim;
    }

    /** Keras' arguments: {@code init_values} and {@code projection_dim}, both required. */
    public static final class Builder extends LayerBuilder<Builder, LayerScale> {
        double initValues = Double.NaN;
        int projectionDim;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code init_values}: gamma's initial value. */
        public Builder initValues(double v) { this.initValues = v; return this; }
        /** Keras' {@code projection_dim}: the length of the last axis, and of gamma. */
        public Builder projectionDim(int dim) { this.projectionDim = dim; return this; }

        @Override
        void validate() {
            if (!Double.isFinite(initValues)) {
                throw new IllegalArgumentException("LayerScale needs a finite `init_values`. Received: init_values="
                        + initValues);
            }
            if (projectionDim <= 0) {
                throw new IllegalArgumentException("LayerScale `projection_dim` must be a positive integer. Received:"
                        + " projection_dim=" + projectionDim);
            }
        }

        @Override
        LayerScale make() {
            return new LayerScale(this);
        }
    }

    /** A builder (both arguments must be set). */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}. */
    public static LayerScale fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        Double v = r.number("init_values");
        b.initValues = v == null ? Double.NaN : v;
        b.projectionDim = r.integer("projection_dim", 0);
        r.finish();
        return b.build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length < 2) {
            throw incompatible(shape, "expected min_ndim=2, found ndim=" + shape.length);
        }
        long last = shape[shape.length - 1];
        if (last != projectionDim) {
            throw incompatible(shape, "its last axis has " + last + " positions, but LayerScale's projection_dim is "
                    + projectionDim);
        }
        return shape.clone();
    }

    @Override
    protected void createWeights(long[] inputShape) {
        computeOutputShape(inputShape);
        variables.add(new Variable("gamma", new int[] {projectionDim}, arena, new Constant(initValues), null, null));
    }

    @Override
    long work(long[] inputShape) {
        return ElementwiseLayer.count(inputShape);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        return Broadcasts.chain(inputShape, List.of(new Broadcasts.Operand(kdnn.bindings.dnnl_h.dnnl_binary_mul(),
                ElementwiseLayer.lastAxisDims(inputShape.length, projectionDim), variables.get(0).data())));
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("init_values", initValues);
        c.put("projection_dim", projectionDim);
        return c;
    }
}
