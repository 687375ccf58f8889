package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.keras.Initializer;
import kdnn.runtime.Recurrences;

/**
 * Keras' LSTM: gates i, f, c, o in Keras' order, {@code c = f * c + i * tanh(z_c)} and
 * {@code h = o * tanh(c)}, the gates sigmoid; one oneDNN LSTM primitive (see {@link BaseRecurrent}).
 * {@code unit_forget_bias} starts the forget gate's bias at one, as Keras draws it.
 */
public final class LSTM extends BaseRecurrent {
    /** Keras' class name, {@code "LSTM"}. */
    public static final String CLASS_NAME = "LSTM";

    private final boolean unitForgetBias;

    private LSTM(RecurrentArguments a, String recurrentActivation, boolean unitForgetBias) {
        super(a, Recurrences.Cell.LSTM, RecurrentSteps.Kind.LSTM, recurrentActivation);
        this.unitForgetBias = unitForgetBias;
    }

    /** Keras' {@code from_config}. */
    public static LSTM fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        RecurrentArguments a = RecurrentArguments.read(r, CLASS_NAME);
        String recurrent = gateActivation(r, a, CLASS_NAME);
        boolean unitForgetBias = r.bool("unit_forget_bias", true);
        r.finish();
        return Layer.builtFor(new LSTM(a, recurrent, unitForgetBias), a.batchInputShape);
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    Initializer biasInitializer() {
        return unitForgetBias ? Cells.unitForgetBias(args.biasInitializer, units) : args.biasInitializer;
    }

    @Override
    void writeBiasArguments(ObjectNode c) {
        c.put("unit_forget_bias", unitForgetBias);
    }
}
