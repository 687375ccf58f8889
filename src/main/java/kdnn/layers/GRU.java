package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.runtime.Recurrences;

/**
 * Keras' GRU: gates z, r, h in Keras' order, {@code h = z * h + (1 - z) * tanh(...)}, the gates
 * sigmoid (see {@link BaseRecurrent}). With {@code reset_after=True} (tf.keras 2 and Keras 3's
 * default) the reset gate multiplies the recurrent candidate after its bias, oneDNN's
 * linear-before-reset GRU, and the bias is {@code (2, 3 * units)}: the input's and the recurrent
 * part's. With {@code reset_after=False} (Keras 2.3's default) oneDNN's GRU, bias {@code (3 * units)}.
 * Keras 2's {@code CuDNNGRU} is the {@code reset_after} cell with the two biases in one {@code (6 *
 * units)} vector: read as this class under that name.
 */
public final class GRU extends BaseRecurrent {
    /** Keras' class name, {@code "GRU"}. */
    public static final String CLASS_NAME = "GRU";

    /** Keras 2's class name of the cuDNN variant, {@code "CuDNNGRU"}. */
    public static final String CUDNN_CLASS_NAME = "CuDNNGRU";

    private final boolean resetAfter;
    private final boolean cudnn;
    private MemorySegment lbrBias; // oneDNN's four biases, kept from Keras' (2, 3 * units) one

    private GRU(RecurrentArguments a, String recurrentActivation, boolean resetAfter, boolean cudnn) {
        super(a, resetAfter ? Recurrences.Cell.LBR_GRU : Recurrences.Cell.GRU,
                resetAfter ? RecurrentSteps.Kind.GRU_RESET_AFTER : RecurrentSteps.Kind.GRU_RESET_BEFORE,
                recurrentActivation);
        this.resetAfter = resetAfter;
        this.cudnn = cudnn;
    }

    /** Keras 2's {@code CuDNNGRU.from_config}: tanh and sigmoid, reset after, a bias of {@code 6 * units}. */
    public static GRU fromCudnnConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CUDNN_CLASS_NAME, Cells.withoutCellArguments(config, CUDNN_CLASS_NAME));
        RecurrentArguments a = RecurrentArguments.read(r, CUDNN_CLASS_NAME);
        r.finish();
        return Layer.builtFor(new GRU(a, "sigmoid", true, true), a.batchInputShape);
    }

    /** Keras' {@code from_config}. */
    public static GRU fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        RecurrentArguments a = RecurrentArguments.read(r, CLASS_NAME);
        String recurrent = gateActivation(r, a, CLASS_NAME);
        boolean resetAfter = r.bool("reset_after", true);
        r.finish();
        return Layer.builtFor(new GRU(a, recurrent, resetAfter, false), a.batchInputShape);
    }

    /** Keras' {@code reset_after}. */
    public boolean resetAfter() {
        ensureOpen();
        return resetAfter;
    }

    @Override
    String cellClass() {
        return "GRUCell";
    }

    @Override
    String layerClassName() {
        return cudnn ? CUDNN_CLASS_NAME : CLASS_NAME;
    }

    @Override
    int[] biasShape() {
        return cudnn ? new int[] {6 * units} : resetAfter ? new int[] {2, 3 * units} : new int[] {3 * units};
    }

    @Override
    MemorySegment dnnlBias() {
        if (!args.useBias || !resetAfter) return super.dnnlBias();
        synchronized (this) {
            if (lbrBias == null) lbrBias = arena.allocate(4L * units * Float.BYTES, 64);
            fillLbrBias();
            return lbrBias;
        }
    }

    @Override
    void weightsChanged() {
        super.weightsChanged();
        synchronized (this) {
            if (lbrBias != null) fillLbrBias();
        }
    }

    /** z and r: the two parts summed; the candidate's input part, then its recurrent part (which the reset gate scales). */
    private void fillLbrBias() {
        MemorySegment keras = variables.get(2).data();
        long u = units;
        for (long i = 0; i < u; i++) {
            float zIn = keras.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            float rIn = keras.getAtIndex(ValueLayout.JAVA_FLOAT, u + i);
            float hIn = keras.getAtIndex(ValueLayout.JAVA_FLOAT, 2 * u + i);
            float zRec = keras.getAtIndex(ValueLayout.JAVA_FLOAT, 3 * u + i);
            float rRec = keras.getAtIndex(ValueLayout.JAVA_FLOAT, 4 * u + i);
            float hRec = keras.getAtIndex(ValueLayout.JAVA_FLOAT, 5 * u + i);
            lbrBias.setAtIndex(ValueLayout.JAVA_FLOAT, i, zIn + zRec);
            lbrBias.setAtIndex(ValueLayout.JAVA_FLOAT, u + i, rIn + rRec);
            lbrBias.setAtIndex(ValueLayout.JAVA_FLOAT, 2 * u + i, hIn);
            lbrBias.setAtIndex(ValueLayout.JAVA_FLOAT, 3 * u + i, hRec);
        }
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = super.getConfig();
        if (cudnn) c.remove(NOT_CUDNN);
        return c;
    }

    @Override
    void writeCellArguments(ObjectNode c) {
        c.put("reset_after", resetAfter);
    }
}
