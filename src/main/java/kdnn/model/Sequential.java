package kdnn.model;

import java.util.ArrayList;
import java.util.List;
import kdnn.layers.InputLayer;
import kdnn.layers.Layer;
import kdnn.layers.Shapes;

/**
 * Keras' Sequential model: layers applied in order, shapes inferred from the input shape. A
 * {@link Model} whose graph is a chain; immutable once built.
 */
public final class Sequential extends Model {
    private final List<Layer> layers;
    private final List<long[]> layerOutputShapes;

    private Sequential(String name, List<Layer> layers, KerasTensor input, List<KerasTensor> chain) {
        super(name, List.of(input), List.of(chain.get(chain.size() - 1)));
        this.layers = List.copyOf(layers);
        this.layerOutputShapes = chain.stream().map(KerasTensor::shape).toList();
    }

    /** A model over these layers for inputs of {@code inputShape} (batch first; -1 for any batch). */
    public static Sequential of(String name, List<Layer> layers, long... inputShape) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("model \"" + name + "\" has no layers");
        }
        KerasTensor input = KerasTensor.input(InputLayer.of(layers.get(0).name() + "_input", inputShape));
        List<KerasTensor> chain = new ArrayList<>();
        KerasTensor x = input;
        for (Layer l : layers) {
            long[] shape = x.shape();
            try {
                x = KerasTensor.applied(l, List.of(x));
            } catch (IllegalArgumentException e) {
                Throwable cause = e.getCause() instanceof IllegalArgumentException c ? c : e;
                throw new IllegalArgumentException("model \"" + name + "\": layer \"" + l.name() + "\" (" + l.className()
                        + ") does not accept the output of the layer before it, of shape " + Shapes.format(shape)
                        + ": " + cause.getMessage(), e);
            }
            chain.add(x);
        }
        return new Sequential(name, layers, input, chain);
    }

    /** Starts a model; layers are added in order, as Keras' {@code model.add}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Collects layers, then builds the (immutable) model. */
    public static final class Builder {
        private final String name;
        private final List<Layer> layers = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        /** Appends {@code layer} after the last one added. */
        public Builder add(Layer layer) {
            layers.add(layer);
            return this;
        }

        /** Builds for this input shape; without one, the first layer's declared batch_input_shape. */
        public Sequential build(long... inputShape) {
            long[] shape = inputShape.length > 0 ? inputShape
                    : layers.isEmpty() ? null : layers.get(0).declaredInputShape();
            if (shape == null) {
                throw new IllegalArgumentException("model \"" + name + "\" needs an input shape: give one to build(),"
                        + " or a batch_input_shape to its first layer");
            }
            return Sequential.of(name, layers, shape);
        }
    }

    @Override
    public String className() {
        return "Sequential";
    }

    /** The layers, in order. */
    @Override
    public List<Layer> layers() {
        return layers;
    }

    List<long[]> layerOutputShapes() {
        return layerOutputShapes;
    }

    @Override
    public String summary() {
        ensureOpen();
        return Summary.sequential(this);
    }
}
