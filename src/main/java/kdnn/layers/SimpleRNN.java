package kdnn.layers;

import static kdnn.bindings.dnnl_h.dnnl_eltwise_logistic;
import static kdnn.bindings.dnnl_h.dnnl_eltwise_relu;
import static kdnn.bindings.dnnl_h.dnnl_eltwise_tanh;

import com.fasterxml.jackson.databind.JsonNode;
import kdnn.runtime.Recurrences;

/**
 * Keras' SimpleRNN: {@code h = activation(x . kernel + h . recurrent_kernel + bias)}; one oneDNN
 * vanilla RNN primitive for tanh, relu or sigmoid (see {@link BaseRecurrent}).
 */
public final class SimpleRNN extends BaseRecurrent {
    /** Keras' class name, {@code "SimpleRNN"}. */
    public static final String CLASS_NAME = "SimpleRNN";

    private SimpleRNN(RecurrentArguments a) {
        super(a, Recurrences.Cell.RNN, RecurrentSteps.Kind.SIMPLE_RNN, null);
    }

    /** Keras' {@code from_config}. */
    public static SimpleRNN fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        RecurrentArguments a = RecurrentArguments.read(r, CLASS_NAME);
        checkActivations(CLASS_NAME, a.activation, Activation.parse(a.activation), null, null);
        r.finish();
        return Layer.builtFor(new SimpleRNN(a), a.batchInputShape);
    }

    @Override
    String cellClass() {
        return "SimpleRNNCell";
    }

    @Override
    String layerClassName() {
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
