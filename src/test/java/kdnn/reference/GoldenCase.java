package kdnn.reference;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One golden case (see shared/golden/README.md): a Keras layer run once on {@code input}.
 * For an error case {@code output} is null and the layer must refuse; {@code input} is zeros
 * when the file gives only its shape.
 */
public record GoldenCase(String name, JsonNode layer, RefArray input, List<Weight> weights, RefArray output,
        double atol, double rtol, boolean expectError, String why, String note) {

    /** A weight as listed in the case, in Keras get_weights() order. */
    public record Weight(String name, RefArray value) {
    }

    public GoldenCase {
        weights = List.copyOf(weights);
    }

    /** The weight tensors alone, in order, as layers take them. */
    public List<RefArray> weightArrays() {
        return weights.stream().map(Weight::value).toList();
    }

    /** Whether {@code got} is within this case's tolerance of {@code want}. */
    public boolean close(float got, float want) {
        return Math.abs((double) got - want) <= atol + rtol * Math.abs((double) want);
    }
}
