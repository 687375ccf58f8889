package kdnn.model;

import java.util.List;

/**
 * A model built with Keras' functional API: any directed acyclic graph of layer calls, several
 * inputs and outputs, shared layers and nested models.
 *
 * <pre>{@code
 * KerasTensor x = KerasTensor.input("image", -1, 32, 32, 3);
 * KerasTensor y = conv.apply(x);
 * KerasTensor z = Add.of(null).apply(y, x);
 * try (Functional model = Functional.of("net", List.of(x), List.of(z))) { ... }
 * }</pre>
 */
public final class Functional extends Model {
    private Functional(String name, List<KerasTensor> inputs, List<KerasTensor> outputs) {
        super(name, inputs, outputs);
    }

    /**
     * The model that computes {@code outputs} from {@code inputs} (tensors made by
     * {@link KerasTensor#input}). Refuses outputs that need a tensor the inputs do not give.
     */
    public static Functional of(String name, List<KerasTensor> inputs, List<KerasTensor> outputs) {
        return new Functional(name, inputs, outputs);
    }

    @Override
    public String className() {
        return "Functional";
    }

    @Override
    public String summary() {
        ensureOpen();
        return Summary.functional(this);
    }
}
