package kdnn.io;

import java.util.List;

/**
 * Keras 3 functional configs made of operations (keras.ops calls on Keras tensors), written as
 * Keras 3's {@code serialize_node} writes them: each operation {@code {module, class_name, config,
 * registered_name, name, inbound_nodes: [{"args": [...], "kwargs": {}}]}}. Strings use single
 * quotes for JSON's double ones.
 */
final class Keras3Ops {
    private Keras3Ops() {
    }

    /** One operation: its name, the ops module it is in ("numpy", "nn"), its class, its config and its arguments. */
    record Op(String name, String module, String cls, String config, String args) {
        /** An operation whose config is only its name. */
        static Op of(String name, String module, String cls, String args) {
            return new Op(name, module, cls, "{'name': '" + name + "'}", args);
        }
    }

    /** A reference to the first output of {@code layer}'s first call. */
    static String tensor(String layer) {
        return "{'class_name': '__keras_tensor__', 'config': {'shape': [null], 'dtype': 'float32', 'keras_history': ['"
                + layer + "', 0, 0]}}";
    }

    /** The model: an InputLayer {@code x} of {@code batchShape} (e.g. "[null, 4]"), the operations, {@code output} out. */
    static String model(String batchShape, String output, List<Op> ops) {
        StringBuilder layers = new StringBuilder("{'module': 'keras.layers', 'class_name': 'InputLayer', 'config': {"
                + "'batch_shape': " + batchShape + ", 'dtype': 'float32', 'name': 'x'}, 'registered_name': null, 'name': 'x',"
                + " 'inbound_nodes': []}");
        for (Op o : ops) {
            layers.append(", {'module': 'keras.src.ops.").append(o.module()).append("', 'class_name': '").append(o.cls())
                    .append("', 'config': ").append(o.config()).append(", 'registered_name': '").append(o.cls())
                    .append("', 'name': '").append(o.name()).append("', 'inbound_nodes': [{'args': [").append(o.args())
                    .append("], 'kwargs': {}}]}");
        }
        return ("{'module': 'keras', 'class_name': 'Functional', 'config': {'name': 'ops', 'trainable': true,"
                + " 'layers': [" + layers + "], 'input_layers': [['x', 0, 0]], 'output_layers': [['" + output + "', 0, 0]]},"
                + " 'registered_name': 'Functional'}").replace('\'', '"');
    }
}
