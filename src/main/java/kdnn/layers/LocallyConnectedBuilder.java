package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Function;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Regularizer;

/** Arguments of LocallyConnected1D/2D with Keras 2's defaults; checked as Keras checks them. */
public final class LocallyConnectedBuilder<L extends BaseLocallyConnected>
        extends LayerBuilder<LocallyConnectedBuilder<L>, L> {
    private final Function<LocallyConnectedBuilder<L>, L> factory;
    final int rank;
    int filters;
    int[] kernelSize;
    int[] strides;
    Padding padding = Padding.VALID;
    DataFormat dataFormat = DataFormat.CHANNELS_LAST;
    Activation activation = Activation.LINEAR;
    boolean useBias = true;
    final KernelArguments weights = new KernelArguments();
    int implementation = 1;

    LocallyConnectedBuilder(String className, int rank, Function<LocallyConnectedBuilder<L>, L> factory) {
        super(className);
        this.rank = rank;
        this.factory = factory;
        this.strides = ones(rank);
    }

    private static int[] ones(int rank) {
        int[] v = new int[rank];
        java.util.Arrays.fill(v, 1);
        return v;
    }

    /** Keras' {@code filters} argument. */
    public LocallyConnectedBuilder<L> filters(int filters) { this.filters = filters; return this; }
    /** Keras' {@code kernel_size}: one int per spatial axis, or one for all. */
    public LocallyConnectedBuilder<L> kernelSize(int... kernelSize) { this.kernelSize = perAxis("kernel_size", kernelSize); return this; }
    /** Keras' {@code strides}: one int per spatial axis, or one for all. */
    public LocallyConnectedBuilder<L> strides(int... strides) { this.strides = perAxis("strides", strides); return this; }
    /** Keras' {@code padding}: "valid", or "same" with implementation 2 or 3. */
    public LocallyConnectedBuilder<L> padding(Padding padding) { this.padding = padding; return this; }
    /** Keras' {@code data_format}. */
    public LocallyConnectedBuilder<L> dataFormat(DataFormat dataFormat) { this.dataFormat = dataFormat; return this; }
    /** Keras' {@code activation}. */
    public LocallyConnectedBuilder<L> activation(Activation activation) { this.activation = activation; return this; }
    /** Keras' {@code use_bias}. */
    public LocallyConnectedBuilder<L> useBias(boolean useBias) { this.useBias = useBias; return this; }
    /** Keras' {@code kernel_initializer}. */
    public LocallyConnectedBuilder<L> kernelInitializer(Initializer i) { weights.kernelInitializer = i; return this; }
    /** Keras' {@code bias_initializer}. */
    public LocallyConnectedBuilder<L> biasInitializer(Initializer i) { weights.biasInitializer = i; return this; }
    /** Keras' {@code kernel_regularizer}. */
    public LocallyConnectedBuilder<L> kernelRegularizer(Regularizer r) { weights.kernelRegularizer = r; return this; }
    /** Keras' {@code bias_regularizer}. */
    public LocallyConnectedBuilder<L> biasRegularizer(Regularizer r) { weights.biasRegularizer = r; return this; }
    /** Keras' {@code activity_regularizer}. */
    public LocallyConnectedBuilder<L> activityRegularizer(Regularizer r) { weights.activityRegularizer = r; return this; }
    /** Keras' {@code kernel_constraint}. */
    public LocallyConnectedBuilder<L> kernelConstraint(Constraint c) { weights.kernelConstraint = c; return this; }
    /** Keras' {@code bias_constraint}. */
    public LocallyConnectedBuilder<L> biasConstraint(Constraint c) { weights.biasConstraint = c; return this; }
    /**
     * Keras' {@code implementation}: 1 (kernel {@code (positions, window, filters)}), 2 (a dense kernel
     * between every input and output value, masked) or 3 (the connected entries alone, a vector).
     * The same function; it decides the kernel's shape, and "same" padding needs 2 or 3.
     */
    public LocallyConnectedBuilder<L> implementation(int implementation) { this.implementation = implementation; return this; }

    private int[] perAxis(String key, int[] values) {
        if (values == null || (values.length != 1 && values.length != rank)) {
            throw new IllegalArgumentException("The `" + key + "` argument must be a tuple of " + rank + " integers."
                    + " Received: " + key + "=" + (values == null ? "None" : Shapes.format(values)));
        }
        if (values.length == rank) return values.clone();
        int[] out = new int[rank];
        java.util.Arrays.fill(out, values[0]);
        return out;
    }

    @Override
    void validate() {
        if (filters <= 0) {
            throw new IllegalArgumentException("Invalid value for argument `filters`. Expected a strictly positive value."
                    + " Received filters=" + filters + ".");
        }
        if (kernelSize == null) throw new IllegalArgumentException(className + " needs the argument `kernel_size`");
        positive("kernel_size", kernelSize);
        positive("strides", strides);
        if (padding == null) throw new IllegalArgumentException("`padding` must not be null");
        if (padding == Padding.CAUSAL) {
            throw new IllegalArgumentException("The `padding` argument of " + className + " must be \"valid\" or \"same\"."
                    + " Received: padding=causal");
        }
        if (implementation < 1 || implementation > 3) {
            throw new IllegalArgumentException("Unrecognized implementation mode: " + implementation + ". Expected 1, 2"
                    + " or 3 (argument `implementation` of " + className + ")");
        }
        if (padding != Padding.VALID && implementation == 1) {
            throw new IllegalArgumentException("Invalid border mode for " + className + " (only \"valid\" is supported if"
                    + " implementation is 1): " + padding.kerasName());
        }
        if (dataFormat == null) throw new IllegalArgumentException("`data_format` must not be null");
        if (activation == null) throw new IllegalArgumentException("`activation` must not be null");
        weights.check(className);
    }

    // Keras' normalize_tuple: kernel_size > 0; strides allow zero there, which then divides by zero
    private void positive(String key, int[] values) {
        for (int v : values) {
            if (v <= 0) {
                throw new IllegalArgumentException("The `" + key + "` argument must be a tuple of " + rank
                        + " integers. Received " + key + "=" + Shapes.format(values) + ", including values {" + v
                        + "} that do not satisfy `value > 0`");
            }
        }
    }

    @Override
    L make() {
        return factory.apply(this);
    }

    /** Reads Keras' config; unknown keys refused. */
    LocallyConnectedBuilder<L> fromConfig(JsonNode config) {
        ConfigReader r = readBase(config);
        JsonNode f = r.node("filters");
        if (f.isNull()) throw new IllegalArgumentException(className + " needs the argument `filters`");
        filters = ConfigReader.toInt("filters", f);
        JsonNode k = r.node("kernel_size");
        if (k.isNull()) throw new IllegalArgumentException(className + " needs the argument `kernel_size`");
        kernelSize = ConfigReader.tuple("kernel_size", k, rank);
        strides = r.tuple("strides", rank, strides);
        padding = Padding.parse(r.string("padding", "valid"));
        dataFormat = DataFormat.parse(r.string("data_format", null));
        JsonNode act = r.node("activation");
        activation = Activation.parse(act.isNull() ? null : act.isTextual() ? act.asText()
                : act.path("class_name").asText(act.toString()));
        useBias = r.bool("use_bias", true);
        weights.read(r);
        implementation = r.integer("implementation", 1);
        r.finish();
        return this;
    }
}
