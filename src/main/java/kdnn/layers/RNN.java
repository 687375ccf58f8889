package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * Keras' {@code RNN} layer over one of Keras' cells: {@code RNN(LSTMCell(4))} computes what
 * {@code LSTM(4)} does, so it is read as that layer ({@link LSTM}, {@link GRU}, {@link SimpleRNN})
 * and saved back in the RNN form, the cell's name kept. A {@code StackedRNNCells} (Keras'
 * {@code RNN([cell, cell])}) is read as {@link StackedRNN}. Other cells (custom ones, tf.keras'
 * peephole cell) are refused by name.
 */
public final class RNN {
    /** Keras' class name, {@code "RNN"}. */
    public static final String CLASS_NAME = "RNN";

    /** The RNN layer's own arguments; the rest of a recurrent layer's are its cell's. */
    static final Set<String> LAYER_KEYS = Set.of("name", "trainable", "dtype", "batch_input_shape", "input_shape",
            "batch_size", "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
            "zero_output_for_mask", "time_major", "activity_regularizer", "num_constants");

    private RNN() {
    }

    /** Keras' {@code RNN.from_config}: the layer its cell makes, in the RNN form. */
    public static Layer fromConfig(JsonNode config) {
        if (config == null || !config.isObject()) {
            throw new IllegalArgumentException(CLASS_NAME + ": `config` must be a JSON object, got " + config);
        }
        JsonNode cell = config.get("cell");
        if (cell == null || cell.isNull()) throw new IllegalArgumentException("RNN needs the argument `cell`");
        if (!cell.isObject() || !cell.path("class_name").isTextual() || !cell.path("config").isObject()) {
            throw ConfigReader.bad("cell", cell, "a cell's config {\"class_name\", \"config\"}");
        }
        // TF.js writes its cell's arguments (a stack's cells) beside the cell as well: the same values, left out
        ObjectNode own = JsonNodeFactory.instance.objectNode();
        JsonNode cellConfig = cell.get("config");
        config.properties().forEach(e -> {
            String key = e.getKey();
            if (key.equals("cell") || LAYER_KEYS.contains(key)) {
                own.set(key, e.getValue());
            } else if (!e.getValue().equals(cellConfig.get(key))) {
                throw new IllegalArgumentException("RNN got an unexpected keyword argument '" + key + "'");
            }
        });
        config = own;
        JsonNode constants = config.path("num_constants");
        if (!constants.isMissingNode() && !constants.isNull() && constants.asInt(-1) != 0) {
            throw ConfigReader.bad("num_constants", constants, "0: kdnn's recurrent layers take no constants");
        }
        String cls = cell.get("class_name").asText();
        if (cls.equals(StackedRNN.CELLS_CLASS_NAME)) return StackedRNN.fromConfig(config);
        return layerOf(config, cell);
    }

    /** The recurrent layer of one cell under the RNN layer's arguments {@code config}. */
    static BaseRecurrent layerOf(JsonNode config, JsonNode cell) {
        String cls = cell.path("class_name").asText();
        JsonNode cellConfig = cell.get("config");
        new ConfigReader(cls, cellConfig); // its dtype
        ObjectNode merged = JsonNodeFactory.instance.objectNode();
        config.properties().forEach(e -> {
            if (!e.getKey().equals("cell") && !e.getKey().equals("num_constants")) merged.set(e.getKey(), e.getValue());
        });
        cellConfig.properties().forEach(e -> {
            if (LAYER_KEYS.contains(e.getKey())) {
                if (!Set.of("name", "trainable", "dtype", "activity_regularizer").contains(e.getKey())) {
                    throw new IllegalArgumentException(cls + " got an unexpected keyword argument '" + e.getKey() + "'");
                }
            } else {
                merged.set(e.getKey(), e.getValue());
            }
        });
        if (!merged.hasNonNull("name")) merged.put("name", LayerNames.next("rnn"));
        String cellName = cellConfig.path("name").asText(null);
        BaseRecurrent layer = switch (cls) {
            case "LSTMCell" -> LSTM.fromConfig(merged);
            case "GRUCell" -> GRU.fromConfig(merged);
            case "SimpleRNNCell" -> SimpleRNN.fromConfig(merged);
            default -> throw new IllegalArgumentException("RNN `cell` must be one of Keras' LSTMCell, GRUCell,"
                    + " SimpleRNNCell or StackedRNNCells in kdnn (a custom cell's code is not in the model). Received:"
                    + " cell=" + cls);
        };
        return layer.asRnnOf(cellName != null ? cellName : layer.cellName());
    }

    /**
     * A cell's object as tf.keras 2.13+ and Keras 3 serialize it (with its module, which Keras 3
     * needs to find the class); its config to fill.
     */
    static ObjectNode serialized(String className) {
        ObjectNode cell = JsonNodeFactory.instance.objectNode();
        cell.put("module", "keras.layers");
        cell.put("class_name", className);
        cell.putObject("config");
        cell.putNull("registered_name");
        return cell;
    }

    /** A recurrent layer's config {@code layerConfig} in the RNN form: its own arguments, and its cell. */
    static ObjectNode rnnConfig(ObjectNode layerConfig, ObjectNode cell) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        layerConfig.properties().forEach(e -> {
            if (LAYER_KEYS.contains(e.getKey()) && !(e.getKey().equals("activity_regularizer") && e.getValue().isNull())) {
                out.set(e.getKey(), e.getValue());
            }
        });
        out.set("cell", cell);
        return out;
    }
}
