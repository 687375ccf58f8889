package kdnn.io;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import kdnn.layers.Shapes;

/**
 * What {@link Hdf5Writer} writes: groups holding groups and float32 datasets by name, and
 * attributes of the few kinds Keras' files hold. A dataset's values are fetched when the file is
 * written, one dataset at a time, so the tree holds no copy of the weights.
 */
final class Hdf5Tree {
    /** HDF5 orders a group's links by strcmp of their bytes, and so must its symbol table nodes. */
    static final Comparator<String> LINK_ORDER = (a, b) -> Arrays.compareUnsigned(utf8(a), utf8(b));

    private Hdf5Tree() {
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A group: its children sorted as HDF5 keeps them, its attributes in the order they were added. */
    static final class Group {
        private final TreeMap<String, Object> children = new TreeMap<>(LINK_ORDER);
        private final List<Attribute> attributes = new ArrayList<>();

        /** The group at {@code path} (names separated by '/'), created with the groups on the way as h5py does. */
        Group group(String path) {
            Group g = this;
            for (String name : names(path)) {
                Object child = g.children.computeIfAbsent(name, n -> new Group());
                if (!(child instanceof Group next)) {
                    throw new IllegalArgumentException("HDF5 path \"" + path + "\": \"" + name + "\" is a dataset, not a group");
                }
                g = next;
            }
            return g;
        }

        /** A float32 dataset at {@code path}; {@code values} gives its row-major values when the file is written. */
        void dataset(String path, int[] shape, Supplier<float[]> values) {
            List<String> names = names(path);
            if (names.isEmpty()) throw new IllegalArgumentException("a dataset needs a name");
            Group parent = group(String.join("/", names.subList(0, names.size() - 1)));
            String name = names.get(names.size() - 1);
            if (parent.children.putIfAbsent(name, new Dataset(shape, values)) != null) {
                throw new IllegalArgumentException("HDF5 path \"" + path + "\" is written twice");
            }
        }

        void attribute(String name, Value value) {
            for (Attribute a : attributes) {
                if (a.name().equals(name)) throw new IllegalArgumentException("attribute \"" + name + "\" is written twice");
            }
            attributes.add(new Attribute(name, value));
        }

        Map<String, Object> children() {
            return Collections.unmodifiableMap(children);
        }

        List<Attribute> attributes() {
            return Collections.unmodifiableList(attributes);
        }

        private static List<String> names(String path) {
            List<String> out = new ArrayList<>();
            for (String n : path.split("/")) {
                if (!n.isEmpty()) out.add(n);
            }
            if (out.isEmpty() && !path.isEmpty()) throw new IllegalArgumentException("HDF5 path \"" + path + "\" names nothing");
            return out;
        }
    }

    /** A contiguous float32 dataset of {@code shape} (rank 0 is a scalar; a 0 dimension makes it empty). */
    record Dataset(int[] shape, Supplier<float[]> values) {
        Dataset {
            shape = shape.clone();
            for (int d : shape) {
                if (d < 0) throw new IllegalArgumentException("dataset shape " + Shapes.format(shape) + " has a negative dimension");
            }
        }

        long count() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }
    }

    record Attribute(String name, Value value) {
    }

    /** The attribute kinds h5py writes for what Keras stores. */
    sealed interface Value permits VarStrings, FixedStrings, EmptyFloat64 {
    }

    /**
     * Variable-length strings, each in the global heap: a scalar (one string) or a 1-D array.
     * h5py writes a Python {@code str} as UTF-8 and {@code bytes} as ASCII (the bytes as given);
     * h5py 3 writes a list of either as an array of them.
     */
    record VarStrings(List<String> values, boolean utf8, boolean scalar) implements Value {
        VarStrings {
            values = List.copyOf(values);
            if (scalar && values.size() != 1) throw new IllegalArgumentException("a scalar holds one string");
        }

        static VarStrings scalar(String text, boolean utf8) {
            return new VarStrings(List.of(text), utf8, true);
        }

        static VarStrings array(List<String> values, boolean utf8) {
            return new VarStrings(values, utf8, false);
        }
    }

    /**
     * A 1-D array of null-padded fixed-length ASCII strings of {@code width} bytes: what h5py
     * writes for a numpy array of {@code bytes} ({@code dtype S<width>}); the bytes are UTF-8.
     */
    record FixedStrings(List<String> values, int width) implements Value {
        FixedStrings {
            values = List.copyOf(values);
            if (width < 1) throw new IllegalArgumentException("string width " + width);
            for (String v : values) {
                if (utf8(v).length > width) throw new IllegalArgumentException("\"" + v + "\" is longer than " + width + " bytes");
            }
        }
    }

    /** An empty float64 array of shape (0,): numpy's {@code np.asarray([])}, which Keras writes for no names. */
    record EmptyFloat64() implements Value {
    }
}
