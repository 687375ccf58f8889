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
    private final List<Object> ops; // each a Layer or a nested Model, in order
    private final List<long[]> layerOutputShapes;

    private Sequential(String name, List<Object> ops, KerasTensor input, List<KerasTensor> chain) {
        super(name, List.of(input), List.of(chain.get(chain.size() - 1)));
        this.ops = List.copyOf(ops);
        this.layerOutputShapes = chain.stream().map(KerasTensor::shape).toList();
    }

    /** A model over these layers for inputs of {@code inputShape} (batch first; -1 for any batch). */
    public static Sequential of(String name, List<Layer> layers, long... inputShape) {
        return chain(name, new ArrayList<>(layers), null, inputShape);
    }

    /**
     * A model over layers and nested models, as Keras' {@code Sequential([...])} takes both. Each
     * element is a {@link Layer}, a {@link Model} of one input and one output, or (for a loader)
     * a function from the shape reaching it to such a model; {@code inputName} null names the
     * input after the first layer, as Keras does.
     */
    static Sequential chain(String name, List<Object> ops, String inputName, long... inputShape) {
        if (ops.isEmpty()) {
            throw new IllegalArgumentException("model \"" + name + "\" has no layers");
        }
        Object first = ops.get(0);
        String in = inputName != null ? inputName
                : (first instanceof Layer l ? l.name() : first instanceof Model m ? m.name() : name) + "_input";
        KerasTensor input = KerasTensor.input(InputLayer.of(in, inputShape));
        List<KerasTensor> chain = new ArrayList<>();
        List<Object> made = new ArrayList<>();
        KerasTensor x = input;
        for (Object op : ops) {
            long[] shape = x.shape();
            if (op instanceof java.util.function.Function<?, ?> f) {
                @SuppressWarnings("unchecked")
                Model m = ((java.util.function.Function<long[], Model>) f).apply(shape);
                op = m;
            }
            try {
                if (op instanceof Model m) {
                    List<KerasTensor> outs = m.apply(x);
                    if (outs.size() != 1) {
                        throw new IllegalArgumentException("a model in a Sequential model must have one output; it has "
                                + outs.size());
                    }
                    x = outs.get(0);
                } else {
                    x = KerasTensor.applied((Layer) op, List.of(x));
                }
            } catch (IllegalArgumentException e) {
                Throwable cause = e.getCause() instanceof IllegalArgumentException c ? c : e;
                String opName = op instanceof Model m ? m.name() + "\" (" + m.className() : ((Layer) op).name() + "\" ("
                        + ((Layer) op).className();
                throw new IllegalArgumentException("model \"" + name + "\": layer \"" + opName
                        + ") does not accept the output of the layer before it, of shape " + Shapes.format(shape)
                        + ": " + cause.getMessage(), e);
            }
            made.add(op);
            chain.add(x);
        }
        return new Sequential(name, made, input, chain);
    }

    /** Starts a model; layers are added in order, as Keras' {@code model.add}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Collects layers, then builds the (immutable) model. */
    public static final class Builder {
        private final String name;
        private final List<Object> layers = new ArrayList<>(); // layers and models

        private Builder(String name) {
            this.name = name;
        }

        /** Appends {@code layer} after the last one added. */
        public Builder add(Layer layer) {
            layers.add(layer);
            return this;
        }

        /** Appends a model of one input and one output, as Keras' {@code model.add(other_model)}. */
        public Builder add(Model model) {
            layers.add(model);
            return this;
        }

        /** Builds for this input shape; without one, the first layer's declared batch_input_shape. */
        public Sequential build(long... inputShape) {
            long[] shape = inputShape.length > 0 ? inputShape
                    : layers.isEmpty() ? null
                    : layers.get(0) instanceof Layer l ? l.declaredInputShape()
                    : ((Model) layers.get(0)).inputShapes().get(0);
            if (shape == null) {
                throw new IllegalArgumentException("model \"" + name + "\" needs an input shape: give one to build(),"
                        + " or a batch_input_shape to its first layer");
            }
            return chain(name, layers, null, shape);
        }
    }

    @Override
    public String className() {
        return "Sequential";
    }

    /** The layers, in order (a nested model's in its place). */
    @Override
    public List<Layer> layers() {
        List<Layer> out = new ArrayList<>();
        for (Object o : ops) {
            if (o instanceof Layer l) {
                out.add(l);
            } else {
                for (Layer l : ((Model) o).allLayers()) if (!(l instanceof InputLayer) && !out.contains(l)) out.add(l);
            }
        }
        return out;
    }

    /** Keras' {@code model.layers}: the layers and nested models, in order. */
    List<Object> ops() {
        return ops;
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
