package kdnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import kdnn.layers.Layer;
import kdnn.layers.Weight;
import kdnn.layers.WeightSpec;

/** A small valid functional config in Keras 2's form, and a weight source that records the layers it fills. */
final class GraphConfigs {
    private GraphConfigs() {
    }

    /**
     * in_a (8x8x3) -> conv_a -> bn -> relu --+--> add -> gap -> concat -> dense (output 0)
     * in_a ----------> conv_b ---------------+                  ^
     * in_b (4) -------------------------------------------------+       relu (output 1)
     */
    static final String VALID = """
            {"class_name": "Functional", "config": {"name": "net", "layers": [
              {"name": "in_a", "class_name": "InputLayer", "config": {"name": "in_a", "batch_input_shape": [null, 8, 8, 3]}, "inbound_nodes": []},
              {"name": "conv_a", "class_name": "Conv2D", "config": {"name": "conv_a", "filters": 4, "kernel_size": [3, 3], "padding": "same"},
               "inbound_nodes": [[["in_a", 0, 0, {}]]]},
              {"name": "bn", "class_name": "BatchNormalization", "config": {"name": "bn", "axis": -1}, "inbound_nodes": [[["conv_a", 0, 0, {}]]]},
              {"name": "relu", "class_name": "ReLU", "config": {"name": "relu"}, "inbound_nodes": [[["bn", 0, 0, {}]]]},
              {"name": "conv_b", "class_name": "Conv2D", "config": {"name": "conv_b", "filters": 4, "kernel_size": [1, 1]},
               "inbound_nodes": [[["in_a", 0, 0, {}]]]},
              {"name": "add", "class_name": "Add", "config": {"name": "add"}, "inbound_nodes": [[["relu", 0, 0, {}], ["conv_b", 0, 0, {}]]]},
              {"name": "gap", "class_name": "GlobalAveragePooling2D", "config": {"name": "gap"}, "inbound_nodes": [[["add", 0, 0, {}]]]},
              {"name": "in_b", "class_name": "InputLayer", "config": {"name": "in_b", "batch_input_shape": [null, 4]}, "inbound_nodes": []},
              {"name": "concat", "class_name": "Concatenate", "config": {"name": "concat", "axis": -1},
               "inbound_nodes": [[["gap", 0, 0, {}], ["in_b", 0, 0, {}]]]},
              {"name": "dense", "class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "tanh"},
               "inbound_nodes": [[["concat", 0, 0, {}]]]}
            ],
            "input_layers": [["in_a", 0, 0], ["in_b", 0, 0]],
            "output_layers": [["dense", 0, 0], ["relu", 0, 0]]}}
            """;

    static ObjectNode valid() {
        return (ObjectNode) json(VALID);
    }

    static JsonNode json(String s) {
        try {
            return new ObjectMapper().readTree(s);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Seeded random weights of the expected shapes; remembers every layer it was asked about. */
    static class RecordingWeights implements ModelConfigs.WeightSource {
        final List<Layer> seen = Collections.synchronizedList(new ArrayList<>());
        private final SplittableRandom random = new SplittableRandom(17);
        private final String failFor;

        RecordingWeights(String failFor) {
            this.failFor = failFor;
        }

        RecordingWeights() {
            this(null);
        }

        @Override
        public List<Weight> weightsFor(List<String> path, Layer layer, List<WeightSpec> expected) {
            seen.add(layer);
            if (layer.name().equals(failFor)) {
                throw new IllegalArgumentException("weights of \"" + failFor + "\" are unreadable (test)");
            }
            List<Weight> out = new ArrayList<>();
            for (WeightSpec w : expected) {
                float[] v = kdnn.TestData.random(random, Math.toIntExact(w.size()));
                if (w.name().contains("variance")) {
                    for (int i = 0; i < v.length; i++) v[i] = 0.5f + Math.abs(v[i]);
                }
                out.add(new Weight(w.name(), w.shape(), v));
            }
            return out;
        }
    }
}
