package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.util.List;
import kdnn.runtime.Pipeline;

/**
 * Keras' {@code SpectralNormalization}: its layer (one with a {@code kernel} or {@code embeddings},
 * e.g. the convolutions of a GAN) with its kernel divided by its largest singular value, estimated
 * by power iteration from {@code vector_u} on every training call. At inference Keras runs the
 * layer on the kernel as the last training step left it, so kdnn runs the wrapped layer as it is;
 * {@code vector_u} (non-trainable, {@code (1, kernel's last axis)}) is kept for the file. The
 * weights are the layer's, then {@code vector_u}, as Keras' {@code .h5} lists them; the layer
 * belongs to the wrapper and closes with it.
 */
public final class SpectralNormalization extends Wrapper {
    /** Keras' class name, {@code "SpectralNormalization"}. */
    public static final String CLASS_NAME = "SpectralNormalization";

    private final int powerIterations;

    private SpectralNormalization(String name, long[] batchInputShape, boolean trainable, Layer layer,
                                  int powerIterations) {
        super(name, batchInputShape, trainable, layer);
        this.powerIterations = powerIterations;
    }

    /** Keras' {@code from_config}: {@code layer} a serialized layer with a kernel, {@code power_iterations} >= 1. */
    public static SpectralNormalization fromConfig(JsonNode config) {
        ConfigReader r = new ConfigReader(CLASS_NAME, config);
        String name = r.string("name", null);
        if (name == null) name = LayerNames.next(CLASS_NAME);
        boolean trainable = r.bool("trainable", true);
        long[] batchInputShape = r.batchInputShape();
        JsonNode inner = r.node("layer");
        int iterations = r.integer("power_iterations", 1);
        r.finish();
        if (iterations < 1) {
            throw new IllegalArgumentException("`power_iterations` should be greater than zero. Received:"
                    + " `power_iterations=" + iterations + "`");
        }
        if (inner.isNull()) throw new IllegalArgumentException("SpectralNormalization needs the argument `layer`");
        Layer l = Layers.fromConfig(inner, Layers.readingVersion());
        try {
            if (l instanceof Embedding) {
                // Keras casts the wrapper's output to its input's dtype: an Embedding's integer indices truncate its vectors
                throw new IllegalArgumentException("SpectralNormalization over an Embedding is not supported by kdnn:"
                        + " Keras casts the wrapper's output to the dtype of its integer indices, truncating the vectors");
            }
            if (l instanceof Merge || l instanceof InputLayer || l instanceof KerasOperation || l.isBuilt()
                    && !hasKernel(l)) {
                throw new IllegalArgumentException("SpectralNormalization: " + l.className() + " object has no attribute"
                        + " 'kernel' nor 'embeddings'");
            }
            return Layer.builtFor(new SpectralNormalization(name, batchInputShape, trainable, l, iterations),
                    batchInputShape);
        } catch (RuntimeException e) {
            l.close();
            throw e;
        }
    }

    private static boolean hasKernel(Layer l) {
        return l.getWeights().stream().anyMatch(w -> w.name().equals("kernel") || w.name().equals("embeddings"));
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        return layer.computeOutputShape(shape);
    }

    @Override
    protected void createWeights(long[] inputShape) {
        layer.build(inputShape);
        if (!hasKernel(layer)) {
            throw new IllegalArgumentException("SpectralNormalization: " + layer.className() + " object has no attribute"
                    + " 'kernel' nor 'embeddings'");
        }
        Weight kernel = layer.getWeights().stream().filter(w -> w.name().equals("kernel") || w.name().equals("embeddings"))
                .findFirst().orElseThrow();
        variables.addAll(layer.variables); // the layer's weights are the wrapper's (get/set_weights)
        int[] ks = kernel.shape();
        variables.add(new Variable("vector_u", new int[] {1, ks[ks.length - 1]}, arena,
                kdnn.keras.Initializers.get(vectorInitializer()), null, null, false));
    }

    /** Keras' {@code TruncatedNormal(stddev=0.02)} for {@code vector_u}. */
    private static JsonNode vectorInitializer() {
        ObjectNode o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        o.put("class_name", "TruncatedNormal");
        o.putObject("config").put("mean", 0.0).put("stddev", 0.02);
        return o;
    }

    @Override
    long work(long[] inputShape) {
        return layer.work(inputShape);
    }

    @Override
    boolean mixesSamples(List<long[]> inputShapes) {
        return layer.mixesSamples(inputShapes);
    }

    @Override
    void restoreKerasExtremes(long[] inputShape, MemorySegment input, MemorySegment output, long[] outputShape,
                              Variant variant, int threads) {
        layer.restoreKerasExtremes(inputShape, input, output, outputShape, variant, threads);
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        return layer.pipeline(inputShape, variant);
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.set("layer", Bidirectional.serialized((ObjectNode) Layers.toConfig(layer)));
        c.put("power_iterations", powerIterations);
        return c;
    }
}
