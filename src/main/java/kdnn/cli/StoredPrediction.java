package kdnn.cli;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kdnn.layers.Shapes;

/**
 * A prediction Keras stored in HDF5, as Keras' own model-import test generators write it beside a
 * model ({@code NAME_inputs_and_outputs.h5}): a group {@code inputs/} with one dataset per input
 * layer and a group {@code outputs/} with one per output layer, each named after its layer;
 * {@code outputs/} holds what Keras' {@code predict} returned.
 */
public final class StoredPrediction {
    /** Float32 results of the same layers in the same order: rounding only. */
    public static final double ATOL = 1e-6;
    /** Relative part of the tolerance. */
    public static final double RTOL = 1e-5;

    /** The input and (when {@code outputs/} is there) output arrays, in the model's layer order. */
    public record Arrays(List<long[]> inputShapes, List<float[]> inputs, List<long[]> outputShapes, List<float[]> outputs) {
    }

    private StoredPrediction() {
    }

    /** True when {@code file} starts with HDF5's signature. */
    public static boolean isHdf5(Path file) throws java.io.IOException {
        byte[] head = new byte[8];
        try (var in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, 8) < 8) return false;
        }
        return head[0] == (byte) 0x89 && head[1] == 'H' && head[2] == 'D' && head[3] == 'F';
    }

    /**
     * The file that a generator wrote beside {@code NAME_model.h5} or {@code NAME_config.json}:
     * {@code NAME_inputs_and_outputs.h5}, or null when there is none.
     */
    public static Path besideModel(Path model) {
        String file = model.getFileName() == null ? "" : model.getFileName().toString();
        for (String suffix : new String[] {"_model.h5", "_config.json"}) {
            if (file.endsWith(suffix) && file.length() > suffix.length()) {
                Path p = model.resolveSibling(file.substring(0, file.length() - suffix.length()) + "_inputs_and_outputs.h5");
                return Files.isRegularFile(p) ? p : null;
            }
        }
        return null;
    }

    /** Reads the arrays of these input and output layers; a missing group or dataset is refused by name. */
    public static Arrays read(Path file, List<String> inputNames, List<String> outputNames) {
        try (HdfFile h = new HdfFile(file)) {
            List<long[]> inShapes = new ArrayList<>();
            List<float[]> ins = new ArrayList<>();
            Group inputs = group(h, "inputs", file);
            for (String name : inputNames) read(inputs, name, file, inShapes, ins);
            if (h.getChild("outputs") == null) {
                return new Arrays(inShapes, ins, null, null);
            }
            Group outputs = group(h, "outputs", file);
            List<long[]> outShapes = new ArrayList<>();
            List<float[]> outs = new ArrayList<>();
            for (String name : outputNames) read(outputs, name, file, outShapes, outs);
            return new Arrays(inShapes, ins, outShapes, outs);
        } catch (io.jhdf.exceptions.HdfException e) {
            throw new IllegalArgumentException(file + ": not a readable HDF5 prediction file: " + e.getMessage(), e);
        }
    }

    private static Group group(HdfFile h, String name, Path file) {
        if (!(h.getChild(name) instanceof Group g)) {
            throw new IllegalArgumentException(file + " has no group '" + name + "/'; expected groups inputs/ and outputs/"
                    + " holding one dataset per model input and output layer; it holds " + h.getChildren().keySet());
        }
        return g;
    }

    private static void read(Group g, String name, Path file, List<long[]> shapes, List<float[]> values) {
        Node n = g.getChild(name);
        if (!(n instanceof Dataset ds)) {
            throw new IllegalArgumentException(file + ": group " + g.getPath() + " has no dataset '" + name
                    + "' (the model's layer of that name); it holds " + g.getChildren().keySet());
        }
        int[] dims = ds.getDimensions();
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) shape[i] = dims[i];
        Object flat = ds.getDataFlat();
        float[] out;
        if (flat instanceof float[] f) {
            out = f;
        } else if (flat instanceof double[] d) {
            out = new float[d.length];
            for (int i = 0; i < d.length; i++) out[i] = (float) d[i];
        } else {
            throw new IllegalArgumentException(file + ": dataset " + ds.getPath() + " holds " + ds.getJavaType()
                    + ", expected floating-point values");
        }
        if (out.length != GoldenCase.product(shape)) {
            throw new IllegalArgumentException(file + ": dataset " + ds.getPath() + " of shape " + Shapes.format(shape)
                    + " read as " + out.length + " values");
        }
        shapes.add(shape);
        values.add(out);
    }
}
