package kdnn.layers;

import static kdnn.bindings.dnnl_h.dnnl_eltwise_logistic;
import static kdnn.bindings.dnnl_h.dnnl_eltwise_relu;
import static kdnn.bindings.dnnl_h.dnnl_eltwise_tanh;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Recurrences;

/**
 * Keras' SimpleRNN: {@code h = activation(x . kernel + h . recurrent_kernel + bias)} with tanh,
 * relu or sigmoid; one oneDNN vanilla RNN primitive (see {@link BaseRecurrent}).
 */
public final class SimpleRNN extends BaseRecurrent {
    /** Keras' class name, {@code "SimpleRNN"}. */
    public static final String CLASS_NAME = "SimpleRNN";

    private SimpleRNN(RecurrentArguments a) {
        super(a, Recurrences.Cell.RNN);
    }

    /** Keras' {@code from_config}. */
    public static SimpleRNN fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        RecurrentArguments a = RecurrentArguments.read(r, CLASS_NAME);
        if (!java.util.Set.of("tanh", "relu", "sigmoid").contains(a.activation)) {
            throw new IllegalArgumentException("SimpleRNN `activation` must be tanh, relu or sigmoid in kdnn (oneDNN's"
                    + " cell computes those). Received: activation=" + a.activation);
        }
        r.finish();
        return Layer.builtFor(new SimpleRNN(a), a.batchInputShape);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    int activationAlgorithm() {
        return switch (args.activation) {
            case "relu" -> dnnl_eltwise_relu();
            case "sigmoid" -> dnnl_eltwise_logistic();
            default -> dnnl_eltwise_tanh();
        };
    }
}
