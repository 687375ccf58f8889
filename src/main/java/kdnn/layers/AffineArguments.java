package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.lang.foreign.Arena;
import java.util.List;
import kdnn.keras.Constraint;
import kdnn.keras.Initializer;
import kdnn.keras.Initializers;
import kdnn.keras.Regularizer;

/**
 * The {@code gamma} and {@code beta} of Keras' layer and group normalization: {@code scale} and
 * {@code center}, and each weight's initializer, regularizer and constraint, read, written and
 * built in Keras' order (gamma first).
 */
final class AffineArguments {
    boolean center = true;
    boolean scale = true;
    Initializer betaInitializer = Initializers.get(TextNode.valueOf("zeros"));
    Initializer gammaInitializer = Initializers.get(TextNode.valueOf("ones"));
    Regularizer betaRegularizer;
    Regularizer gammaRegularizer;
    Constraint betaConstraint;
    Constraint gammaConstraint;

    AffineArguments copy() {
        AffineArguments a = new AffineArguments();
        a.center = center;
        a.scale = scale;
        a.betaInitializer = betaInitializer;
        a.gammaInitializer = gammaInitializer;
        a.betaRegularizer = betaRegularizer;
        a.gammaRegularizer = gammaRegularizer;
        a.betaConstraint = betaConstraint;
        a.gammaConstraint = gammaConstraint;
        return a;
    }

    /** Reads {@code center}, {@code scale} and the weights' arguments from a config. */
    void read(ConfigReader r) {
        center = r.bool("center", true);
        scale = r.bool("scale", true);
        betaInitializer = r.initializer("beta_initializer", "zeros");
        gammaInitializer = r.initializer("gamma_initializer", "ones");
        betaRegularizer = r.regularizer("beta_regularizer");
        gammaRegularizer = r.regularizer("gamma_regularizer");
        betaConstraint = r.constraint("beta_constraint");
        gammaConstraint = r.constraint("gamma_constraint");
    }

    /** Writes them in Keras' {@code get_config} order. */
    void write(ObjectNode c) {
        c.put("center", center);
        c.put("scale", scale);
        c.set("beta_initializer", betaInitializer.toConfig());
        c.set("gamma_initializer", gammaInitializer.toConfig());
        c.set("beta_regularizer", betaRegularizer == null ? JsonNodeFactory.instance.nullNode() : betaRegularizer.toConfig());
        c.set("gamma_regularizer", gammaRegularizer == null ? JsonNodeFactory.instance.nullNode() : gammaRegularizer.toConfig());
        c.set("beta_constraint", betaConstraint == null ? JsonNodeFactory.instance.nullNode() : betaConstraint.toConfig());
        c.set("gamma_constraint", gammaConstraint == null ? JsonNodeFactory.instance.nullNode() : gammaConstraint.toConfig());
    }

    /** Adds {@code gamma} (when scaling) then {@code beta} (when centring), each of {@code shape}. */
    void createWeights(List<Variable> variables, int[] shape, Arena arena) {
        createWeights(variables, shape, arena, scale, center);
    }

    /** Adds {@code gamma} and {@code beta} as the layer asks, whatever {@code scale} and {@code center} say. */
    void createWeights(List<Variable> variables, int[] shape, Arena arena, boolean withGamma, boolean withBeta) {
        if (withGamma) variables.add(new Variable("gamma", shape, arena, gammaInitializer, gammaRegularizer, gammaConstraint));
        if (withBeta) variables.add(new Variable("beta", shape, arena, betaInitializer, betaRegularizer, betaConstraint));
    }

    /** The built {@code gamma} among {@code variables}, or null without scaling. */
    Variable gamma(List<Variable> variables) {
        return scale ? variables.get(0) : null;
    }

    /** The built {@code beta} among {@code variables}, or null without centring. */
    Variable beta(List<Variable> variables) {
        return center ? variables.get(scale ? 1 : 0) : null;
    }


}
