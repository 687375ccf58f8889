package kdnn.io;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import kdnn.layers.InputLayer;
import kdnn.layers.Layer;
import kdnn.layers.Weight;
import kdnn.model.Model;
import kdnn.model.Sequential;

/** A model's layers and weights in the orders Keras' writers use. */
final class SavedLayers {
    private SavedLayers() {
    }

    /** One weight of one layer: the {@code index}th of its {@code getWeights()}. */
    record LayerWeight(Layer layer, int index, Weight weight) {
        /**
         * Keras 2's name of it: {@code conv1/kernel:0}; a recurrent layer's by its cell
         * ({@code lstm/lstm_cell/kernel:0}), a Bidirectional's by its two layers
         * ({@code bi/forward_lstm/lstm_cell/kernel:0}), as tf.keras names them.
         */
        String keras2Name() {
            return kdnn.layers.Layers.weightPath(layer, index) + ":0";
        }

        /** Its values fetched anew when called: a writer holds this rather than a copy of every weight at once. */
        Supplier<float[]> values() {
            return SavedLayers.values(layer, index);
        }
    }

    /** The values of a layer's {@code index}th weight, fetched when called. */
    static Supplier<float[]> values(Layer layer, int index) {
        return () -> layer.getWeights().get(index).values();
    }

    /** Keras' {@code model.layers}: layers and nested models; a Sequential's InputLayer is not among them. */
    static List<Object> layers(Model m) {
        List<Object> out = new ArrayList<>(m.layerObjects());
        if (m instanceof Sequential) out.removeIf(o -> o instanceof InputLayer);
        return out;
    }

    static String name(Object layerOrModel) {
        return layerOrModel instanceof Model m ? m.name() : ((Layer) layerOrModel).name();
    }

    static String className(Object layerOrModel) {
        return layerOrModel instanceof Model m ? m.className() : ((Layer) layerOrModel).className();
    }

    /**
     * Keras' {@code weights} of a layer or model: all trainable weights (layer by layer, nested
     * models depth first), then all non-trainable ones (moving statistics, frozen layers'), each
     * shared layer once.
     */
    static List<LayerWeight> weights(Object layerOrModel) {
        List<Layer> leaves = new ArrayList<>();
        collect(layerOrModel, leaves);
        List<LayerWeight> trainable = new ArrayList<>();
        List<LayerWeight> frozen = new ArrayList<>();
        for (Layer l : leaves) {
            List<Weight> weights = l.getWeights();
            for (int i = 0; i < weights.size(); i++) {
                Weight w = weights.get(i);
                (l.isTrainableWeight(i) ? trainable : frozen).add(new LayerWeight(l, i, w));
            }
        }
        trainable.addAll(frozen);
        return trainable;
    }

    private static void collect(Object o, List<Layer> into) {
        if (o instanceof Model m) {
            for (Object c : layers(m)) collect(c, into);
        } else if (!into.contains(o)) {
            into.add((Layer) o);
        }
    }
}
