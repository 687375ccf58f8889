package kdnn.io;

/**
 * tf.keras functional configs with TFOpLambda layers, written as tf.keras writes them: the call's
 * other arguments beside its first tensor ({@code [layer, node, tensor, kwargs]}). Strings use
 * single quotes for JSON's double ones.
 */
final class TfKerasOps {
    private TfKerasOps() {
    }

    /** An InputLayer {@code x} of {@code batchShape} (e.g. "[null, 3, 4]"). */
    static String input(String batchShape) {
        return "{'class_name': 'InputLayer', 'config': {'batch_input_shape': " + batchShape + ", 'dtype': 'float32',"
                + " 'name': 'x'}, 'name': 'x', 'inbound_nodes': []}";
    }

    /** A TFOpLambda {@code name} computing tf.{@code function} on {@code from}'s output, its other arguments {@code kwargs}. */
    static String lambda(String name, String function, String from, String kwargs) {
        return "{'class_name': 'TFOpLambda', 'config': {'name': '" + name + "', 'trainable': true, 'dtype': 'float32',"
                + " 'function': '" + function + "'}, 'name': '" + name + "', 'inbound_nodes': [['" + from + "', 0, 0, "
                + kwargs + "]]}";
    }

    /** The model of these layer entries (comma-separated), input {@code x}, output {@code output}. */
    static String model(String layers, String output) {
        return ("{'class_name': 'Functional', 'config': {'name': 'ops', 'layers': [" + layers + "],"
                + " 'input_layers': [['x', 0, 0]], 'output_layers': [['" + output + "', 0, 0]]},"
                + " 'keras_version': '2.12.0', 'backend': 'tensorflow'}").replace('\'', '"');
    }
}
