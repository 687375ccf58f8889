package kdnn.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToDoubleFunction;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.layers.Weight;

/** Small convolutions with chosen weights, for the model tests. */
final class ConvFixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConvFixtures() {
    }

    /**
     * A 1x1 Conv2D built for {@code inputShape} with {@code filters} outputs and this activation,
     * kernel value {@code kernel(i)} at flat position i (Keras' (1, 1, in, out) order), zero bias.
     */
    static Layer conv1x1(String name, int filters, String activation, long[] inputShape, IntToDoubleFunction kernel)
            throws Exception {
        Layer l = Layers.fromConfig(JSON.readTree("{\"class_name\":\"Conv2D\",\"config\":{\"name\":\"" + name
                + "\",\"filters\":" + filters + ",\"kernel_size\":1,\"activation\":\"" + activation + "\"}}"));
        l.build(inputShape);
        List<Weight> ws = new ArrayList<>();
        for (Weight w : l.getWeights()) {
            float[] v = new float[w.values().length];
            if (w.shape().length == 4) {
                for (int i = 0; i < v.length; i++) v[i] = (float) kernel.applyAsDouble(i);
            }
            ws.add(new Weight(w.name(), w.shape(), v));
        }
        l.setWeights(ws);
        return l;
    }
}
