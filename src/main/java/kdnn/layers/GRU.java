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
 */
public final class GRU extends BaseRecurrent {
    /** Keras' class name, {@code "GRU"}. */
    public static final String CLASS_NAME = "GRU";

    private final boolean resetAfter;
    private MemorySegment lbrBias; // oneDNN's four biases, kept from Keras' (2, 3 * units) one

    private GRU(RecurrentArguments a, String recurrentActivation, boolean resetAfter) {
        super(a, resetAfter ? Recurrences.Cell.LBR_GRU : Recurrences.Cell.GRU,
                resetAfter ? RecurrentSteps.Kind.GRU_RESET_AFTER : RecurrentSteps.Kind.GRU_RESET_BEFORE,
                recurrentActivation);
        this.resetAfter = resetAfter;
    }

    /** Keras' {@code from_config}. */
    public static GRU fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        RecurrentArguments a = RecurrentArguments.read(r, CLASS_NAME);
        String recurrent = gateActivation(r, a, CLASS_NAME);
        boolean resetAfter = r.bool("reset_after", true);
        r.finish();
        return Layer.builtFor(new GRU(a, recurrent, resetAfter), a.batchInputShape);
    }

    /** Keras' {@code reset_after}. */
    public boolean resetAfter() {
        ensureOpen();
        return resetAfter;
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    int[] biasShape() {
        return resetAfter ? new int[] {2, 3 * units} : new int[] {3 * units};
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
        c.put("reset_after", resetAfter);
        return c;
    }
}
