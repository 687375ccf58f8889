package kdnn.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import kdnn.io.Hdf5Messages.Message;
import kdnn.io.Hdf5Tree.Dataset;
import kdnn.io.Hdf5Tree.Group;
import kdnn.layers.Shapes;

/**
 * Writes an {@link Hdf5Tree} as h5py (HDF5 1.10, format versions "earliest") writes Keras'
 * files: superblock version 0, groups as symbol tables ({@link Hdf5SymbolTable}), version 1
 * object headers and attribute messages, variable-length strings in global heap collections,
 * float32 datasets stored contiguously. The file is laid out first (every address is known before
 * a byte is written), then written front to back: the metadata, the global heap, then each
 * dataset's values, fetched and converted one dataset at a time.
 */
final class Hdf5Writer {
    private static final int SUPERBLOCK = 96;
    /** HDF5 makes a global heap collection at least this large. */
    private static final int GLOBAL_HEAP_MIN = 4096;
    private static final int GLOBAL_HEAP_HEADER = 16;
    private static final int HEAP_OBJECT_HEADER = 16;
    /** A collection numbers its objects with 2 bytes (0 is its free space): more strings take more collections. */
    private static final int HEAP_OBJECTS = 0xFFFF;
    /** Values converted to little-endian bytes per write. */
    private static final int CHUNK_FLOATS = 1 << 16;

    private final List<Object> objects = new ArrayList<>(); // groups and datasets, parents before children
    private final Map<Object, Long> headers = new IdentityHashMap<>();
    private final Map<Group, Hdf5SymbolTable> tables = new IdentityHashMap<>();
    private final Map<Group, Long> tableAddresses = new IdentityHashMap<>();
    private final Map<Dataset, Long> data = new IdentityHashMap<>();
    private final List<String> strings = new ArrayList<>(); // the global heap's objects, in order
    private final Map<Hdf5Tree.VarStrings, Integer> firstString = new IdentityHashMap<>();
    private final List<long[]> collections = new ArrayList<>(); // each global heap collection's address and size
    private final Group root;
    private final long metadataEnd;
    private final long end;

    private Hdf5Writer(Group root) {
        this.root = root;
        long at = place(root, SUPERBLOCK);
        for (int first = 0; first < strings.size(); first += HEAP_OBJECTS) {
            long used = GLOBAL_HEAP_HEADER;
            for (String s : strings.subList(first, Math.min(strings.size(), first + HEAP_OBJECTS))) {
                used += HEAP_OBJECT_HEADER + Hdf5Bytes.align8(Hdf5Tree.utf8(s).length);
            }
            long size = Math.max(GLOBAL_HEAP_MIN, used); // one string larger than the minimum gets a collection its size
            collections.add(new long[] {at, size});
            at += size;
        }
        metadataEnd = at;
        if (metadataEnd > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("HDF5 metadata over 2 GiB");
        for (Object o : objects) {
            if (o instanceof Dataset d && d.count() > 0) {
                data.put(d, at);
                at += d.count() * Float.BYTES;
            }
        }
        end = at;
    }

    /** Writes {@code root} as the HDF5 file {@code file}; a write that fails part way leaves no file behind. */
    static void write(Group root, Path file) throws IOException {
        Hdf5Writer writer = new Hdf5Writer(root);
        try (OutputStream out = Files.newOutputStream(file)) {
            writer.writeTo(out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** Writes {@code root} as an HDF5 file to {@code out} (left open); returns the bytes written. */
    static long write(Group root, OutputStream out) throws IOException {
        return new Hdf5Writer(root).writeTo(out);
    }

    /** The size of the file {@code root} makes. */
    static long size(Group root) {
        return new Hdf5Writer(root).end;
    }

    /** Gives addresses to {@code o}'s header, a group's symbol table and its children, from {@code at}; returns the next free address. */
    private long place(Object o, long at) {
        objects.add(o);
        headers.put(o, at);
        if (o instanceof Dataset d) {
            return at + Hdf5Messages.headerSize(messages(d));
        }
        Group g = (Group) o;
        for (Hdf5Tree.Attribute a : g.attributes()) {
            if (a.value() instanceof Hdf5Tree.VarStrings s && !firstString.containsKey(s)) {
                firstString.put(s, strings.size());
                strings.addAll(s.values());
            }
        }
        at += Hdf5Messages.headerSize(messages(g));
        Hdf5SymbolTable table = new Hdf5SymbolTable(List.copyOf(g.children().keySet()));
        tables.put(g, table);
        tableAddresses.put(g, at);
        at += table.size();
        for (Object child : g.children().values()) at = place(child, at);
        return at;
    }

    /** A group's messages: its symbol table, then its attributes (addresses are 0 until laid out: sizes do not depend on them). */
    private List<Message> messages(Group g) {
        Long table = tableAddresses.get(g);
        long base = table == null ? 0 : table;
        long heap = table == null ? 0 : tables.get(g).heap(base);
        List<Message> out = new ArrayList<>();
        out.add(Hdf5Messages.symbolTable(Hdf5SymbolTable.btree(base), heap));
        for (Hdf5Tree.Attribute a : g.attributes()) out.add(attribute(a));
        return out;
    }

    /** A dataset's messages in h5py's order: dataspace, datatype, fill value, layout. */
    private List<Message> messages(Dataset d) {
        Long address = data.get(d);
        return List.of(Hdf5Messages.dataspace(d.shape()), Hdf5Messages.datatype(Hdf5Messages.float32()),
                Hdf5Messages.fillValue(), Hdf5Messages.contiguousLayout(address == null ? Hdf5Bytes.UNDEFINED : address,
                        d.count() * Float.BYTES));
    }

    private Message attribute(Hdf5Tree.Attribute a) {
        return switch (a.value()) {
            case Hdf5Tree.VarStrings s -> {
                // the strings live in the global heap; the attribute holds each one's length and heap ID
                Hdf5Bytes refs = new Hdf5Bytes();
                int first = firstString.getOrDefault(s, 0);
                for (int i = 0; i < s.values().size(); i++) {
                    int k = first + i;
                    long collection = collections.isEmpty() ? 0 : collections.get(k / HEAP_OBJECTS)[0];
                    refs.u32(Hdf5Tree.utf8(s.values().get(i)).length).u64(collection).u32(k % HEAP_OBJECTS + 1);
                }
                byte[] space = s.scalar() ? Hdf5Messages.dataspaceBody() : Hdf5Messages.dataspaceBody(s.values().size());
                yield Hdf5Messages.attribute(a.name(), Hdf5Messages.varString(s.utf8()), space, refs.toArray());
            }
            case Hdf5Tree.FixedStrings f -> {
                Hdf5Bytes values = new Hdf5Bytes();
                for (String v : f.values()) {
                    byte[] b = Hdf5Tree.utf8(v);
                    values.bytes(b).zeros(f.width() - b.length);
                }
                yield Hdf5Messages.attribute(a.name(), Hdf5Messages.fixedString(f.width()),
                        Hdf5Messages.dataspaceBody(f.values().size()), values.toArray());
            }
            case Hdf5Tree.EmptyFloat64 e -> Hdf5Messages.attribute(a.name(), Hdf5Messages.float64(),
                    Hdf5Messages.dataspaceBody(0), new byte[0]);
        };
    }

    private long writeTo(OutputStream out) throws IOException {
        byte[] meta = new byte[(int) metadataEnd];
        put(meta, 0, superblock());
        for (Object o : objects) {
            long at = headers.get(o);
            if (o instanceof Dataset d) {
                put(meta, at, Hdf5Messages.header(messages(d), at));
                continue;
            }
            Group g = (Group) o;
            put(meta, at, Hdf5Messages.header(messages(g), at));
            List<Hdf5SymbolTable.Entry> entries = new ArrayList<>();
            for (Object child : g.children().values()) entries.add(entry(child));
            long table = tableAddresses.get(g);
            put(meta, table, tables.get(g).encode(table, entries));
        }
        for (int c = 0; c < collections.size(); c++) put(meta, collections.get(c)[0], globalHeapCollection(c));
        out.write(meta);
        long written = meta.length;
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (Object o : objects) {
            if (!(o instanceof Dataset d) || d.count() == 0) continue;
            float[] values = d.values().get();
            if (values.length != d.count()) {
                throw new IllegalStateException("a dataset of shape " + Shapes.format(d.shape()) + " was given " + values.length
                        + " values");
            }
            for (int from = 0; from < values.length; from += CHUNK_FLOATS) {
                int n = Math.min(CHUNK_FLOATS, values.length - from);
                chunk.clear();
                chunk.asFloatBuffer().put(values, from, n);
                out.write(chunk.array(), 0, n * Float.BYTES);
            }
            written += values.length * (long) Float.BYTES;
        }
        if (written != end) throw new IllegalStateException("wrote " + written + " bytes of a planned " + end);
        return written;
    }

    private Hdf5SymbolTable.Entry entry(Object child) {
        long header = headers.get(child);
        if (!(child instanceof Group g)) return new Hdf5SymbolTable.Entry(header, -1, -1);
        long table = tableAddresses.get(g);
        return new Hdf5SymbolTable.Entry(header, Hdf5SymbolTable.btree(table), tables.get(g).heap(table));
    }

    /** Version 0: 8-byte offsets and lengths, HDF5's default K values, the root group's entry caching its B-tree and heap. */
    private byte[] superblock() {
        long table = tableAddresses.get(root);
        Hdf5Bytes b = new Hdf5Bytes().bytes(Hdf5.SIGNATURE).u8(0).u8(0).u8(0).u8(0).u8(0).u8(8).u8(8).u8(0)
                .u16(Hdf5SymbolTable.LEAF_K).u16(Hdf5SymbolTable.INTERNAL_K).u32(0)
                .u64(0).u64(Hdf5Bytes.UNDEFINED).u64(end).u64(Hdf5Bytes.UNDEFINED)
                .u64(0).u64(headers.get(root)).u32(1).u32(0).u64(Hdf5SymbolTable.btree(table)).u64(tables.get(root).heap(table));
        if (b.size() != SUPERBLOCK) throw new IllegalStateException("superblock of " + b.size() + " bytes");
        return b.toArray();
    }

    /**
     * Collection {@code c}: its strings as objects 1, 2, ... (reference count 0, as h5py leaves
     * it), then the free space as object 0 when it can hold an object header.
     */
    private byte[] globalHeapCollection(int c) {
        long size = collections.get(c)[1];
        Hdf5Bytes b = new Hdf5Bytes().bytes("GCOL".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).u8(1).zeros(3)
                .u64(size);
        List<String> mine = strings.subList(c * HEAP_OBJECTS, Math.min(strings.size(), (c + 1) * HEAP_OBJECTS));
        for (int i = 0; i < mine.size(); i++) {
            byte[] s = Hdf5Tree.utf8(mine.get(i));
            b.u16(i + 1).u16(0).u32(0).u64(s.length).bytes(s).pad8();
        }
        long free = size - b.size();
        if (free >= HEAP_OBJECT_HEADER) {
            b.u16(0).u16(0).u32(0).u64(free).zeros((int) free - HEAP_OBJECT_HEADER);
        } else {
            b.zeros((int) free);
        }
        return b.toArray();
    }

    private static void put(byte[] into, long at, byte[] bytes) {
        System.arraycopy(bytes, 0, into, (int) at, bytes.length);
    }
}
