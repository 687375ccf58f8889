package kdnn.layers;

/**
 * The arithmetic a convolution runs in. Inputs and outputs are float32 either way.
 */
public enum Precision {
    /** float32 everywhere: Keras' own results. */
    F32,
    /**
     * bfloat16 inputs and weights (weights converted once), float32 accumulation and output:
     * about twice the speed on CPUs with AVX512_BF16 or AMX, at about 3 significant digits.
     * Refused on CPUs without them.
     */
    BF16
}
