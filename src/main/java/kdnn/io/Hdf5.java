package kdnn.io;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.dataset.ContiguousDataset;
import io.jhdf.object.datatype.DataType;
import io.jhdf.object.datatype.FloatingPoint;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import kdnn.layers.Shapes;
import kdnn.layers.Weight;

/**
 * One HDF5 file opened through jHDF, with the reads Keras' layouts need: string-list attributes
 * (fixed or variable length, scalar or array, split into numbered chunks when large) and weight
 * datasets as float32. Sizes are checked against the file's length before anything is
 * allocated, so a corrupted size field cannot make it allocate more than the file holds.
 */
final class Hdf5 implements AutoCloseable {
    static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    final String file;
    final HdfFile hdf;
    private final long length;

    private Hdf5(String file, HdfFile hdf, long length) {
        this.file = file;
        this.hdf = hdf;
        this.length = length;
    }

    static Hdf5 open(Path path, String file, long length) {
        return guarded(file, () -> new Hdf5(file, new HdfFile(path), length));
    }

    static Hdf5 open(byte[] bytes, String file) {
        return guarded(file, () -> new Hdf5(file, HdfFile.fromBytes(bytes), bytes.length));
    }

    static boolean isHdf5(byte[] head) {
        if (head.length < SIGNATURE.length) {
            return false;
        }
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (head[i] != SIGNATURE[i]) return false;
        }
        return true;
    }

    /**
     * Runs a read; whatever jHDF throws on a damaged file becomes a ModelFileException naming the
     * file. A corrupted structure can recurse without end (a B-tree pointing at itself); that too
     * is the file's fault, not the caller's.
     */
    static <T> T guarded(String file, Supplier<T> read) {
        try {
            return read.get();
        } catch (ModelFileException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelFileException(file + ": not a readable HDF5 file (truncated or corrupted?): " + describe(e), e);
        } catch (StackOverflowError e) {
            throw new ModelFileException(file + ": not a readable HDF5 file: its structure is circular or too deep", e);
        }
    }

    private static String describe(RuntimeException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + (m.length() > 300 ? m.substring(0, 300) + "..." : m));
    }

    Group root() {
        return hdf;
    }

    /** The group child {@code name} of {@code g}, or null when there is none or it is not a group. */
    static Group childGroup(Group g, String name) {
        Node n = g.getChildren().get(name);
        return n instanceof Group c ? c : null;
    }

    /** A scalar string attribute, or null when absent. */
    String string(Node node, String name) {
        Attribute a = node.getAttribute(name);
        if (a == null) {
            return null;
        }
        List<String> values = strings(a, node, name);
        if (values.size() != 1) {
            throw new ModelFileException(file + ": attribute \"" + name + "\" of " + where(node)
                    + " should be one string, but holds " + values.size());
        }
        return values.get(0);
    }

    /**
     * A list of strings stored as attribute {@code name}, or as {@code name0}, {@code name1}, ...
     * when h5py's 64 KiB attribute limit made Keras split it. Null when absent altogether.
     */
    List<String> stringList(Node node, String name) {
        Attribute whole = node.getAttribute(name);
        if (whole != null) {
            return strings(whole, node, name);
        }
        List<String> out = null;
        for (int chunk = 0; ; chunk++) {
            Attribute a = node.getAttribute(name + chunk);
            if (a == null) {
                return out;
            }
            if (out == null) out = new ArrayList<>();
            out.addAll(strings(a, node, name + chunk));
        }
    }

    private List<String> strings(Attribute a, Node node, String name) {
        long count = a.getSize();
        if (count < 0 || count > length) {
            throw new ModelFileException(file + ": attribute \"" + name + "\" of " + where(node) + " claims " + count
                    + " values, more than the file's " + length + " bytes can hold");
        }
        Object data = a.getData();
        List<String> out = new ArrayList<>();
        if (data == null || a.isEmpty()) {
            return out; // Keras writes an empty float64 array for a layer without weights
        }
        flatten(data, out, node, name);
        return out;
    }

    private void flatten(Object data, List<String> out, Node node, String name) {
        if (data instanceof String s) {
            out.add(stripNuls(s));
        } else if (data instanceof byte[] b) {
            out.add(stripNuls(new String(b, java.nio.charset.StandardCharsets.UTF_8)));
        } else if (data instanceof Object[] array) {
            for (Object o : array) flatten(o, out, node, name);
        } else if (data.getClass().isArray() && java.lang.reflect.Array.getLength(data) == 0) {
            return; // an empty numeric array: an empty list
        } else {
            throw new ModelFileException(file + ": attribute \"" + name + "\" of " + where(node)
                    + " should hold strings, but holds " + data.getClass().getSimpleName());
        }
    }

    private static String stripNuls(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == 0) end--;
        return s.substring(0, end);
    }

    static String where(Node node) {
        String p = node.getPath();
        return p == null || p.equals("/") || p.isEmpty() ? "the root group" : "\"" + stripSlashes(p) + "\"";
    }

    static String stripSlashes(String p) {
        String s = p.startsWith("/") ? p.substring(1) : p;
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /**
     * A weight dataset as a {@link Weight} named {@code name}: little-endian float32 stored in one
     * piece stays the file's bytes (a layer copies them straight into its memory); float16,
     * float64 and other layouts are converted into a float32 array, with a note for the widening.
     */
    Weight floats(Dataset ds, String name, String what, List<String> notes) {
        DataType type = ds.getDataType();
        if (type instanceof io.jhdf.object.datatype.FixedPoint) {
            return integers(ds, name, what, notes);
        }
        if (!(type instanceof FloatingPoint fp)) {
            throw new ModelFileException(file + ": " + what + " is not floating point (HDF5 type "
                    + type.getClass().getSimpleName() + ", " + type.getSize() + " bytes); kdnn reads float16, float32 and float64");
        }
        int size = type.getSize();
        if (size != 2 && size != 4 && size != 8) {
            throw new ModelFileException(file + ": " + what + " is a " + (size * 8) + "-bit float; kdnn reads float16, float32"
                    + " and float64");
        }
        int[] shape = ds.getDimensions();
        long count = valueCount(shape, what);
        float[] values = new float[0];
        if (ds instanceof ContiguousDataset contiguous && count > 0) {
            ByteBuffer bytes = contiguous.getBuffer().order(fp.getByteOrder());
            if (bytes.remaining() != count * size) {
                throw new ModelFileException(file + ": " + what + " of shape " + Shapes.format(shape) + " needs "
                        + count * size + " bytes, but the file holds " + bytes.remaining());
            }
            if (size == 4 && fp.getByteOrder() == java.nio.ByteOrder.LITTLE_ENDIAN) {
                return Weight.of(name, shape, java.lang.foreign.MemorySegment.ofBuffer(bytes));
            }
            values = new float[(int) count];
            decode(bytes, size, values);
        } else if (count > 0) {
            Object flat = ds.getDataFlat();
            values = new float[(int) count];
            if (flat instanceof float[] f && f.length == count) {
                System.arraycopy(f, 0, values, 0, f.length);
            } else if (flat instanceof double[] d && d.length == count) {
                for (int i = 0; i < d.length; i++) values[i] = (float) d[i];
            } else {
                throw new ModelFileException(file + ": " + what + " of shape " + Shapes.format(shape)
                        + " did not read as " + count + " floats");
            }
        }
        if (size != 4) {
            notes.add(file + ": " + what + " is float" + (size * 8) + ", converted to float32");
        }
        return new Weight(name, shape, values);
    }

    /** The number of values of a dataset of {@code shape}, refused when the file's length cannot hold them. */
    private long valueCount(int[] shape, String what) {
        long count = 1;
        for (int d : shape) {
            if (d < 0) throw new ModelFileException(file + ": " + what + " has a negative dimension " + d);
            count *= d;
            if (count > length) {
                throw new ModelFileException(file + ": " + what + " claims shape " + Shapes.format(shape)
                        + ", more values than the file's " + length + " bytes can hold");
            }
        }
        return count;
    }

    /**
     * An integer dataset (e.g. the sample count Keras' Normalization keeps beside its statistics)
     * as float32 values, with a note; values beyond 2^24 round, as a float32 cast rounds them.
     */
    private Weight integers(Dataset ds, String name, String what, List<String> notes) {
        int[] shape = ds.getDimensions();
        long count = valueCount(shape, what);
        Object data = guarded(file, () -> shape.length == 0 ? ds.getData() : ds.getDataFlat());
        float[] values = new float[(int) count];
        if (data instanceof Number n && count == 1) {
            values[0] = n.floatValue();
        } else if (data != null && data.getClass().isArray() && java.lang.reflect.Array.getLength(data) == count) {
            for (int i = 0; i < values.length; i++) values[i] = ((Number) java.lang.reflect.Array.get(data, i)).floatValue();
        } else {
            throw new ModelFileException(file + ": " + what + " of shape " + Shapes.format(shape) + " did not read as "
                    + count + " integers");
        }
        notes.add(file + ": " + what + " is an integer dataset, converted to float32");
        return new Weight(name, shape, values);
    }

    private static void decode(ByteBuffer bytes, int size, float[] values) {
        switch (size) {
            case 4 -> bytes.asFloatBuffer().get(values);
            case 2 -> {
                for (int i = 0; i < values.length; i++) values[i] = Float.float16ToFloat(bytes.getShort());
            }
            default -> {
                for (int i = 0; i < values.length; i++) values[i] = (float) bytes.getDouble();
            }
        }
    }


    @Override
    public void close() {
        try {
            hdf.close();
        } catch (RuntimeException e) {
            // closing a damaged file may fail again; the refusal that led here says why
        }
    }
}
