package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Function;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Regularizer;

/** Arguments of Dense with Keras' defaults; checked as Keras checks them. */
public final class DenseBuilder {
    private final Function<DenseBuilder, Dense> factory;

    String name;
    boolean trainable = true;
    long[] batchInputShape;
    int units;
    Activation activation = Activation.LINEAR;
    boolean useBias = true;
    final KernelArguments weights = new KernelArguments();

    DenseBuilder(Function<DenseBuilder, Dense> factory) {
        this.factory = factory;
    }

    /** The layer's name (Keras' {@code name}); unset, a unique one is made from the class name, as Keras does. */
    public DenseBuilder name(String name) { this.name = name; return this; }
    /** Keras' {@code trainable} (default true); inference only here, so it changes only the summary's counts. */
    public DenseBuilder trainable(boolean trainable) { this.trainable = trainable; return this; }
    /** Keras' {@code units} argument. */
    public DenseBuilder units(int units) { this.units = units; return this; }
    /** Keras' {@code activation} argument. */
    public DenseBuilder activation(Activation activation) { this.activation = activation; return this; }
    /** Keras' {@code use_bias} argument. */
    public DenseBuilder useBias(boolean useBias) { this.useBias = useBias; return this; }
    /** Keras' {@code kernel_initializer} argument. */
    public DenseBuilder kernelInitializer(Initializer i) { weights.kernelInitializer = i; return this; }
    /** Keras' {@code bias_initializer} argument. */
    public DenseBuilder biasInitializer(Initializer i) { weights.biasInitializer = i; return this; }
    /** Keras' {@code kernel_regularizer} argument. */
    public DenseBuilder kernelRegularizer(Regularizer r) { weights.kernelRegularizer = r; return this; }
    /** Keras' {@code bias_regularizer} argument. */
    public DenseBuilder biasRegularizer(Regularizer r) { weights.biasRegularizer = r; return this; }
    /** Keras' {@code activity_regularizer} argument. */
    public DenseBuilder activityRegularizer(Regularizer r) { weights.activityRegularizer = r; return this; }
    /** Keras' {@code kernel_constraint} argument. */
    public DenseBuilder kernelConstraint(Constraint c) { weights.kernelConstraint = c; return this; }
    /** Keras' {@code bias_constraint} argument. */
    public DenseBuilder biasConstraint(Constraint c) { weights.biasConstraint = c; return this; }

    /** Builds the layer's weights right away for inputs of this shape (batch may be -1). */
    public DenseBuilder batchInputShape(long... shape) { this.batchInputShape = shape.clone(); return this; }

    /**
     * The layer these arguments describe.
     * @throws IllegalArgumentException for an argument Keras refuses, naming it
     */
    public Dense build() {
        if (units <= 0) {
            throw new IllegalArgumentException("Received an invalid value for `units`, expected a positive integer."
                    + " Received: units=" + units);
        }
        if (activation == null) throw new IllegalArgumentException("`activation` must not be null");
        weights.check(Dense.CLASS_NAME);
        if (name == null) {
            name = LayerNames.next(Dense.CLASS_NAME);
        }
        return Layer.builtFor(factory.apply(this), batchInputShape);
    }

    /** Reads Keras' config; unknown keys refused. */
    DenseBuilder fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(Dense.CLASS_NAME, config);
        name = r.string("name", null);
        trainable = r.bool("trainable", true);
        batchInputShape = r.batchInputShape();
        JsonNode u = r.node("units");
        if (u.isNull()) throw new IllegalArgumentException("Dense needs the argument `units`");
        units = ConfigReader.toInt("units", u);
        JsonNode act = r.node("activation");
        activation = Activation.parse(act.isNull() ? null : act.isTextual() ? act.asText()
                : act.path("class_name").asText(act.toString()));
        useBias = r.bool("use_bias", true);
        weights.read(r);
        ConfigReader.loraArguments(r);
        JsonNode quantization = r.node("quantization_config");
        if (!quantization.isNull()) {
            throw new IllegalArgumentException("Dense: `quantization_config`=" + quantization + " is not supported (kdnn"
                    + " runs float32 kernels)");
        }
        r.finish();
        return this;
    }


}
