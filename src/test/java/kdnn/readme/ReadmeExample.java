package kdnn.readme;

// README example begin
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.Activation;
import kdnn.layers.Conv2D;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.layers.Padding;
import kdnn.layers.Weight;
import kdnn.io.Models;
import kdnn.model.Model;

public class ReadmeExample {
    /** A 3x3 Conv2D (8 filters, same padding, relu) on a batch of 28x28 RGB images, channels last. */
    static float[] convolve(float[] pixels, float[] kernel, float[] bias) {
        try (Conv2D conv = Conv2D.builder(8, 3, 3)              // filters, kernel_size
                .padding(Padding.SAME).activation(Activation.RELU)
                .build();
             Tensor x = Tensor.of(pixels, 1, 28, 28, 3)) {       // Keras' shape, row-major
            conv.build(1, 28, 28, 3);                            // creates the weights (glorot_uniform, zeros)
            conv.setWeights(List.of(                             // Keras' get_weights() order and shapes
                    new Weight("kernel", new int[] {3, 3, 3, 8}, kernel),
                    new Weight("bias", new int[] {8}, bias)));
            try (Tensor y = conv.call(x)) {                      // a new tensor: close it
                return y.toFloatArray();
            }
        }
    }

    /** A layer from its Keras config ({"class_name", "config"}) and back (get_config form). */
    static ObjectNode roundTrip(String kerasJson) throws Exception {
        JsonNode json = new ObjectMapper().readTree(kerasJson);
        try (Layer layer = Layers.fromConfig(json)) {
            return Layers.toConfig(layer);
        }
    }

    /** A TensorFlow.js layers model folder (model.json + weights.bin) run on one batch. */
    static float[] predict(Path modelDir, float[] batch, long... batchShape) throws Exception {
        try (Model model = Models.load(modelDir);
             Tensor in = Tensor.of(batch, batchShape);
             Tensor out = model.predict(in)) {                   // or model.predict(in, out) to reuse one
            return out.toFloatArray();
        }
    }

    /** The model's layers, output shapes and parameter counts, as Keras' model.summary() prints them. */
    static String summary(Path modelDir) throws Exception {
        try (Model model = Models.load(modelDir)) {
            return model.summary();
        }
    }
}
// README example end
