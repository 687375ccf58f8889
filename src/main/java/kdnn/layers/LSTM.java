package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.keras.Initializer;
import kdnn.runtime.Recurrences;

/**
 * Keras' LSTM: gates i, f, c, o in Keras' order, {@code c = f * c + i * tanh(z_c)} and
 * {@code h = o * tanh(c)}, the gates sigmoid; one oneDNN LSTM primitive (see {@link BaseRecurrent}).
 * {@code unit_forget_bias} starts the forget gate's bias at one, as Keras draws it. Keras 2's
 * {@code CuDNNLSTM} (GPU-trained models) is the same cell with separate input and recurrent biases,
 * {@code (8 * units)}: read as this class under that name, the two biases summed for oneDNN.
 */
public final class LSTM extends BaseRecurrent {
    /** Keras' class name, {@code "LSTM"}. */
    public static final String CLASS_NAME = "LSTM";

    /** Keras 2's class name of the cuDNN variant, {@code "CuDNNLSTM"}. */
    public static final String CUDNN_CLASS_NAME = "CuDNNLSTM";

    private final boolean unitForgetBias;
    private final boolean cudnn;
    private java.lang.foreign.MemorySegment summedBias; // CuDNNLSTM: input and recurrent biases added

    private LSTM(RecurrentArguments a, String recurrentActivation, boolean unitForgetBias, boolean cudnn) {
        super(a, Recurrences.Cell.LSTM, RecurrentSteps.Kind.LSTM, recurrentActivation);
        this.unitForgetBias = unitForgetBias;
        this.cudnn = cudnn;
    }

    /** Keras' {@code from_config}. */
    public static LSTM fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        RecurrentArguments a = RecurrentArguments.read(r, CLASS_NAME);
        String recurrent = gateActivation(r, a, CLASS_NAME);
        boolean unitForgetBias = r.bool("unit_forget_bias", true);
        r.finish();
        return Layer.builtFor(new LSTM(a, recurrent, unitForgetBias, false), a.batchInputShape);
    }

    /** Keras 2's {@code CuDNNLSTM.from_config}: tanh and sigmoid, a bias of {@code 8 * units}. */
    public static LSTM fromCudnnConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CUDNN_CLASS_NAME, Cells.withoutCellArguments(config, CUDNN_CLASS_NAME));
        RecurrentArguments a = RecurrentArguments.read(r, CUDNN_CLASS_NAME);
        boolean unitForgetBias = r.bool("unit_forget_bias", true);
        r.finish();
        return Layer.builtFor(new LSTM(a, "sigmoid", unitForgetBias, true), a.batchInputShape);
    }

    @Override
    String cellClass() {
        return "LSTMCell";
    }

    @Override
    String layerClassName() {
        return cudnn ? CUDNN_CLASS_NAME : CLASS_NAME;
    }

    @Override
    int[] biasShape() {
        return cudnn ? new int[] {8 * units} : super.biasShape();
    }

    @Override
    Initializer biasInitializer() {
        if (!unitForgetBias) return args.biasInitializer;
        return cudnn ? Cells.cudnnForgetBias(args.biasInitializer, units) : Cells.unitForgetBias(args.biasInitializer, units);
    }

    @Override
    java.lang.foreign.MemorySegment dnnlBias() {
        if (!cudnn) return super.dnnlBias();
        synchronized (this) {
            if (summedBias == null) summedBias = arena.allocate(4L * units * Float.BYTES, 64);
            Cells.sumHalves(variables.get(2).data(), summedBias, 4 * units);
            return summedBias;
        }
    }

    @Override
    void weightsChanged() {
        super.weightsChanged();
        synchronized (this) {
            if (summedBias != null) Cells.sumHalves(variables.get(2).data(), summedBias, 4 * units);
        }
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = super.getConfig();
        if (cudnn) c.remove(NOT_CUDNN);
        return c;
    }

    @Override
    void writeBiasArguments(ObjectNode c) {
        c.put("unit_forget_bias", unitForgetBias);
    }
}
