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
import kdnn.layers.Add;
import kdnn.model.Functional;
import kdnn.model.KerasTensor;
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

    /** A residual block built from Java as Keras' functional API builds it: relu(conv(x)) + x. */
    static float[] residual(float[] image, long... shape) {        // shape: (batch, height, width, 4)
        Conv2D conv = Conv2D.builder(4, 3, 3).padding(Padding.SAME).activation(Activation.RELU).build();
        KerasTensor x = KerasTensor.input("image", -1, shape[1], shape[2], 4);   // -1: any batch
        KerasTensor y = Add.of("skip").apply(conv.apply(x), x);
        try (Model model = Functional.of("residual", List.of(x), List.of(y));   // closes its layers
             Tensor in = Tensor.of(image, shape);
             Tensor out = model.predict(in)) {
            // model.summary(): Keras' table with "Connected to"; model.plan(): what runs, fused, and where
            return out.toFloatArray();
        }
    }

    /** Any Keras model file (.h5, .keras, a TF.js folder) run on one batch; the format is told by content. */
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
