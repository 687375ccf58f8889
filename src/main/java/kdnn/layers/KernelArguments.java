package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Initializers;
import kdnn.keras.Regularizer;

/**
 * The arguments of a layer's {@code kernel} and {@code bias} (Dense, EinsumDense, the locally
 * connected layers): each one's initializer, regularizer and constraint, and the layer's activity
 * regularizer, with Keras' defaults; read from a config and written in Keras' {@code get_config}
 * order.
 */
final class KernelArguments {
    Initializer kernelInitializer = Initializers.get(TextNode.valueOf("glorot_uniform"));
    Initializer biasInitializer = Initializers.get(TextNode.valueOf("zeros"));
    Regularizer kernelRegularizer;
    Regularizer biasRegularizer;
    Regularizer activityRegularizer;
    Constraint kernelConstraint;
    Constraint biasConstraint;

    /** Reads the seven arguments (absent or null: Keras' defaults). */
    void read(ConfigReader r) {
        kernelInitializer = r.initializer("kernel_initializer", "glorot_uniform");
        biasInitializer = r.initializer("bias_initializer", "zeros");
        kernelRegularizer = r.regularizer("kernel_regularizer");
        biasRegularizer = r.regularizer("bias_regularizer");
        activityRegularizer = r.regularizer("activity_regularizer");
        kernelConstraint = r.constraint("kernel_constraint");
        biasConstraint = r.constraint("bias_constraint");
    }

    /** Refuses a null initializer (set through a builder). */
    void check(String className) {
        if (kernelInitializer == null || biasInitializer == null) {
            throw new IllegalArgumentException(className + ": initializers must not be null");
        }
    }

    /** Writes them in Keras' order: the initializers, the regularizers (activity's last), the constraints. */
    void write(ObjectNode c) {
        c.set("kernel_initializer", kernelInitializer.toConfig());
        c.set("bias_initializer", biasInitializer.toConfig());
        c.set("kernel_regularizer", config(kernelRegularizer));
        c.set("bias_regularizer", config(biasRegularizer));
        c.set("activity_regularizer", config(activityRegularizer));
        c.set("kernel_constraint", kernelConstraint == null ? JsonNodeFactory.instance.nullNode() : kernelConstraint.toConfig());
        c.set("bias_constraint", biasConstraint == null ? JsonNodeFactory.instance.nullNode() : biasConstraint.toConfig());
    }

    private static JsonNode config(Regularizer r) {
        return r == null ? JsonNodeFactory.instance.nullNode() : r.toConfig();
    }

    /** The activity regularizer's penalty on a layer's output (0 without one). */
    double activityPenalty(kdnn.Tensor output) {
        return activityRegularizer == null ? 0 : activityRegularizer.penalty(output.toFloatArray());
    }

    /** The kernel's variable, of {@code shape}. */
    Variable kernel(int[] shape, java.lang.foreign.Arena arena) {
        return new Variable("kernel", shape, arena, kernelInitializer, kernelRegularizer, kernelConstraint);
    }

    /** The bias's variable, of {@code shape}. */
    Variable bias(int[] shape, java.lang.foreign.Arena arena) {
        return new Variable("bias", shape, arena, biasInitializer, biasRegularizer, biasConstraint);
    }
}
