package kdnn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.layers.Weight;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceNormPoolDense;

/**
 * One benchmark row of a layer around the convolutions (pooling, batch normalization, dense):
 * the Keras layer as its config, the input shape, and the same operation as a line for
 * {@code native/bench_conv.c}'s {@code OP} command (channels-last, as kdnn runs it).
 */
public record LayerRow(String name, String layerJson, long[] input, String nativeLine, int inputs) {

    /** The rows of the layers issue: 3x3/2 max pooling, global average pooling, Dense 2048->1000, BatchNormalization. */
    public static final List<LayerRow> SUITE = List.of(
            new LayerRow("maxpool_3x3_s2_64_112",
                    "{'class_name':'MaxPooling2D','config':{'pool_size':3,'strides':2,'padding':'same'}}",
                    new long[] {1, 112, 112, 64}, "pool max 4 1 64 112 112 1 64 56 56 3 3 2 2 0 0 1 1"),
            new LayerRow("global_avgpool_2048_7",
                    "{'class_name':'GlobalAveragePooling2D','config':{}}",
                    new long[] {1, 7, 7, 2048}, "pool avg 4 1 2048 7 7 1 2048 1 1 7 7 7 7 0 0 0 0"),
            new LayerRow("dense_2048_1000_b1",
                    "{'class_name':'Dense','config':{'units':1000}}",
                    new long[] {1, 2048}, "dense 1 2048 1000 1 0"),
            new LayerRow("batchnorm_64_56",
                    "{'class_name':'BatchNormalization','config':{}}",
                    new long[] {1, 56, 56, 64}, "bnorm 4 1 64 56 56 1 1"),
            // two inputs of this shape, joined on the channel axis (oneDNN's logical axis 1)
            new LayerRow("concatenate_2x128_28",
                    "{'class_name':'Concatenate','config':{'axis':-1}}",
                    new long[] {1, 28, 28, 128}, "concat 4 2 1 1 128 28 28", 2));

    public LayerRow {
        input = input.clone();
    }

    /** A row of one input. */
    public LayerRow(String name, String layerJson, long[] input, String nativeLine) {
        this(name, layerJson, input, nativeLine, 1);
    }

    /** The kdnn call of this row: one input, or {@link #inputs()} copies of it for a merge layer. */
    public void call(Layer layer, Tensor in, Tensor out) {
        if (inputs == 1) {
            layer.call(in, out);
        } else {
            layer.call(java.util.Collections.nCopies(inputs, in), out);
        }
    }

    public static LayerRow byName(String name) {
        return SUITE.stream().filter(r -> r.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no layer benchmark row named " + name));
    }

    public JsonNode layer() {
        try {
            return new ObjectMapper().readTree(layerJson.replace('\'', '"'));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(name + ": bad layer JSON", e);
        }
    }

    /** Deterministic weights in Keras' order; variances positive. */
    public List<Weight> weights(Layer built, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Weight> ws = new ArrayList<>();
        for (Weight w : built.getWeights()) {
            float[] v = new float[w.values().length];
            double scale = w.name().equals("kernel") ? 1.0 / Math.sqrt(w.shape()[0]) : 0.5;
            for (int i = 0; i < v.length; i++) v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
            if (w.name().equals("moving_variance")) for (int i = 0; i < v.length; i++) v[i] = 0.5f + v[i] * v[i];
            ws.add(new Weight(w.name(), w.shape(), v));
        }
        return ws;
    }

    /** A new kdnn layer for this row, built and given deterministic weights. */
    public Layer newLayer() {
        Layer l = Layers.fromConfig(layer());
        try {
            if (inputs == 1) l.build(input);
            if (!l.getWeights().isEmpty()) l.setWeights(weights(l, 2));
            return l;
        } catch (RuntimeException | Error e) {
            l.close();
            throw e;
        }
    }

    public long[] outputShape() {
        try (Layer l = Layers.fromConfig(layer())) {
            return inputs == 1 ? l.computeOutputShape(input) : l.computeOutputShape(java.util.Collections.nCopies(inputs, input));
        }
    }

    /** A deterministic input in [-1, 1). */
    public float[] inputValues(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[Math.toIntExact(Arrays.stream(input).reduce(1, (a, b) -> a * b))];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    /** kdnn's output and the pure-Java reference's, for the same input and weights. */
    public float[][] kdnnAndReference(float[] x) {
        if (inputs > 1) {
            int[] shape = Arrays.stream(input).mapToInt(Math::toIntExact).toArray();
            RefArray a = new RefArray(shape, x);
            try (Layer l = newLayer(); Tensor in = Tensor.of(x, input); Tensor out = Tensor.uninitialized(outputShape())) {
                call(l, in, out);
                RefArray[] copies = java.util.Collections.nCopies(inputs, a).toArray(RefArray[]::new);
                return new float[][] {out.toFloatArray(), kdnn.model.GraphReference.concatenate(-1, copies).data()};
            }
        }
        try (Layer l = newLayer(); Tensor in = Tensor.of(x, input); Tensor out = l.call(in)) {
            List<RefArray> w = l.getWeights().stream().map(v -> new RefArray(v.shape(), v.values())).toList();
            int[] shape = Arrays.stream(input).mapToInt(Math::toIntExact).toArray();
            return new float[][] {out.toFloatArray(), ReferenceNormPoolDense.run(layer(), new RefArray(shape, x), w).data()};
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
